"""Reports at a million appeals: the commands the mayor's office runs, whole, beside a plain pandas/SQL peer.

In the bench database (ecity_bench: the demo city and the generated million of bench_appeals, made once and
kept, or restored from a dump of it). Each run is a fresh process, as cron or a person at a terminal runs it:

- `manage.py daily_summary --date D --out DIR --regenerate` (figures + HTML + PDF + archive), target ≤ 3 s;
- `manage.py period_report --months 12 --year Y --out DIR` (figures for the year and the year before, XLSX,
  PDF with the monthly chart and the choropleth), target ≤ 15 s;
- the same 12-month report as the two downloads of /reports/ (XLSX, then PDF) through Django's whole request
  path, in this process;

each beside `benchmarks/peer_reports.py`, a plain script (psycopg + pandas, no E-City code) that counts the same
figures and writes an HTML page / an XLSX and the chart. The peer's figures are compared with E-City's files
(the archived summary's figures; the XLSX read back with openpyxl): a mismatch fails the benchmark.

    .venv/bin/python benchmarks/run.py bench_reports
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import setup_bench_database

ROOT = Path(__file__).resolve().parent.parent
REPEAT = int(os.environ.get("ECITY_BENCH_REPORTS_REPEAT", "3"))


def _load() -> str:
    """The machine's load: on a shared machine the wall times below include waiting for a core."""
    one, five, _fifteen = os.getloadavg()
    return f"load average {one:.1f} / {five:.1f} on {os.cpu_count()} cores"


def _run(args: list[str], env: dict) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds of the child, stdout) of one whole process."""
    before = os.times()
    t = time.perf_counter()
    done = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t
    after = os.times()
    if done.returncode:
        raise RuntimeError(f"{' '.join(args[:3])} failed:\n{done.stderr[-3000:]}")
    return wall, (after.children_user - before.children_user) + (after.children_system - before.children_system), done.stdout


def _urls() -> tuple[str, str]:
    """(DATABASE_URL for a child manage.py, libpq DSN for the peer) of the bench database."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    # dj_database_url keeps a unix socket (…?host=/path) in OPTIONS, not in HOST.
    host = db["HOST"] or db.get("OPTIONS", {}).get("host", "")
    user, name, port = db["USER"] or "postgres", db["NAME"], db.get("PORT") or ""
    password = db.get("PASSWORD") or ""
    auth = user + (f":{password}" if password else "")
    if host.startswith("/"):
        url = f"postgres://{auth}@/{name}?host={host}" + (f"&port={port}" if port else "")
    else:
        url = f"postgres://{auth}@{host}{':' + str(port) if port else ''}/{name}"
    dsn = f"dbname={name} user={user} host={host}" + (f" port={port}" if port else "") + (
        f" password={password}" if password else "")
    return url, dsn


def _median(xs: list[float]) -> str:
    return f"median {statistics.median(xs):.2f} s (min {min(xs):.2f}, max {max(xs):.2f})"


def bench_daily(day, start, end, env, dsn, out: Path) -> None:
    from reports.models import DailySummary

    py = sys.executable
    ours, ours_cpu, peer, peer_cpu = [], [], [], []
    for i in range(REPEAT):
        run_ours = lambda: _run([py, "manage.py", "daily_summary", "--date", day.isoformat(), "--out",  # noqa: E731
                                 str(out / "daily"), "--regenerate"], env)
        run_peer = lambda: _run([py, "benchmarks/peer_reports.py", "daily", dsn, start.isoformat(), end.isoformat(),  # noqa: E731
                                 str(out / "peer-daily")], env)
        first, second = (run_ours, run_peer) if i % 2 == 0 else (run_peer, run_ours)  # neither always goes first
        a, b = first(), second()
        (o, p) = (a, b) if i % 2 == 0 else (b, a)
        ours.append(o[0])
        ours_cpu.append(o[1])
        peer.append(p[0])
        peer_cpu.append(p[1])
        peer_figures = json.loads(p[2])
    mine = DailySummary.objects.get(date=day).figures
    for key in ("calls", "appeals", "resolved", "overdue", "escalated", "reopened", "long_overdue"):
        if mine[key] != peer_figures[key]:
            raise AssertionError(f"daily summary: {key} is {mine[key]}, the peer counts {peer_figures[key]}")
    for key in ("by_category", "by_channel", "by_provider", "calls_by_outcome"):
        if {k: v for k, v in mine[key].items() if v} != peer_figures[key]:
            raise AssertionError(f"daily summary: {key} differs from the peer: {mine[key]} vs {peer_figures[key]}")
    pdf = out / "daily" / f"zvedennia-{day.isoformat()}.pdf"
    print(f"   daily summary of {day:%d.%m.%Y} ({mine['appeals']} appeals, {mine['calls']} calls, {mine['long_overdue']} "
          f"long-overdue): `manage.py daily_summary` {_median(ours)}, child CPU {statistics.median(ours_cpu):.2f} s "
          f"(target ≤ 3 s); PDF {pdf.stat().st_size / 1024:.0f} KiB", flush=True)
    print(f"   peer (plain SQL counts + HTML page, no PDF): {_median(peer)}, CPU {statistics.median(peer_cpu):.2f} s; "
          f"figures equal; {_load()}", flush=True)
    # The 07:00 run itself is the beat's task in a warm Celery worker (Django and WeasyPrint loaded): the same
    # build in this process, after one warm-up.
    from reports import services

    services.build_daily_summary(day=day, regenerate=True)
    warm, warm_cpu = [], []
    for _ in range(REPEAT):
        c0, t0 = time.process_time(), time.perf_counter()
        services.build_daily_summary(day=day, regenerate=True)
        warm.append(time.perf_counter() - t0)
        warm_cpu.append(time.process_time() - c0)
    print(f"   the same summary in a warm process (the beat's task in the worker): {_median(warm)}, CPU "
          f"{statistics.median(warm_cpu):.2f} s; {_load()}", flush=True)


def _xlsx_figures(path: Path) -> dict:
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True)
    summary = {r[0]: r[1:3] for r in wb["Підсумок"].iter_rows(min_row=2, values_only=True)}
    cats = {r[0]: (r[1], r[2]) for r in wb["Звернення за категоріями"].iter_rows(min_row=2, values_only=True)
            if r[0] and r[0] != "Разом" and (r[1] or r[2])}
    perf_rows = list(wb["Ефективність виконавців"].iter_rows(values_only=True))
    head = perf_rows[0]
    perf = {r[0]: dict(zip(head, r, strict=True)) for r in perf_rows[1:]}
    return {"summary": summary, "categories": cats, "performance": perf}


def _compare_period(xlsx_path: Path, peer: dict) -> None:
    got = _xlsx_figures(xlsx_path)
    cur, prev = peer["current"], peer["previous"]
    checks = [("calls", got["summary"]["Дзвінки"], (cur["calls"], prev["calls"])),
              ("appeals", got["summary"]["Звернення"], (cur["appeals"], prev["appeals"])),
              ("resolved", got["summary"]["Виконано звернень"], (cur["resolved"], prev["resolved"])),
              ("on time", got["summary"]["Виконано вчасно"], (cur["on_time"], prev["on_time"])),
              ("categories", got["categories"],
               {k: (cur["categories"].get(k, 0), prev["categories"].get(k, 0))
                for k in set(cur["categories"]) | set(prev["categories"])})]
    for label, mine, theirs in checks:
        if tuple(mine) != tuple(theirs) if not isinstance(mine, dict) else mine != theirs:
            raise AssertionError(f"period report: {label} {mine} vs the peer's {theirs}")
    for name, row in peer["performance"].items():
        mine = got["performance"][name]
        for col, key in (("отримано", "received"), ("прийнято вчасно", "accepted_in_time"),
                         ("відхилено «не наше»", "rejected"), ("з них переадресація підтвердила", "rejected_proved_right"),
                         ("виконано", "resolved"), ("виконано вчасно", "resolved_on_time"),
                         ("прострочено зараз", "overdue_now")):
            if mine[col] != row[key]:
                raise AssertionError(f"provider performance of {name}: {col} {mine[col]} vs the peer's {row[key]}")


def bench_period(year: int, env, dsn, out: Path) -> None:
    from django.utils import timezone

    from reports import period

    p = period.months_period(months=12, year=year)
    lo, hi = p.bounds
    plo, phi = p.previous().bounds
    py = sys.executable
    ours, ours_cpu, peer, peer_cpu = [], [], [], []
    for i in range(max(1, REPEAT - 1)):
        now = timezone.now().isoformat()
        run_ours = lambda: _run([py, "manage.py", "period_report", "--months", "12", "--year", str(year),  # noqa: E731
                                 "--out", str(out / "period")], env)
        run_peer = lambda: _run([py, "benchmarks/peer_reports.py", "period", dsn, lo.isoformat(), hi.isoformat(),  # noqa: E731
                                 plo.isoformat(), phi.isoformat(), now, str(out / "peer-period")], env)  # noqa: B023
        first, second = (run_ours, run_peer) if i % 2 == 0 else (run_peer, run_ours)
        a, b = first(), second()
        (o, q) = (a, b) if i % 2 == 0 else (b, a)
        ours.append(o[0])
        ours_cpu.append(o[1])
        peer.append(q[0])
        peer_cpu.append(q[1])
        peer_figures = json.loads(q[2])
    xlsx_path = out / "period" / f"zvit-{p.slug}.xlsx"
    _compare_period(xlsx_path, peer_figures)
    pdf_path = xlsx_path.with_suffix(".pdf")
    cur = peer_figures["current"]
    print(f"   12-month report {p.label} ({cur['appeals']:,} appeals, {cur['calls']:,} calls; a year earlier "
          f"{peer_figures['previous']['appeals']:,} / {peer_figures['previous']['calls']:,}): `manage.py period_report` "
          f"{_median(ours)}, child CPU {statistics.median(ours_cpu):.2f} s (target ≤ 15 s); XLSX "
          f"{xlsx_path.stat().st_size / 1024:.0f} KiB, PDF {pdf_path.stat().st_size / 1024:.0f} KiB", flush=True)
    print(f"   peer (pandas: the same figures and provider performance, XLSX + chart, no PDF): {_median(peer)}, "
          f"CPU {statistics.median(peer_cpu):.2f} s; figures equal; {_load()}", flush=True)
    bench_http(p)


def bench_http(p) -> None:
    """The two downloads of /reports/ as a deputy mayor clicks them, through the whole Django request path."""
    from django.contrib.auth.models import Group, User
    from django.test import Client

    user, _created = User.objects.get_or_create(username="bench_reports_supervisor")
    user.groups.set([Group.objects.get_or_create(name="supervisor")[0]])
    client = Client()
    client.force_login(user)
    query = {"months": "12", "year": str(p.start.year)}
    times = {}
    for name in ("reports-period-xlsx", "reports-period-pdf"):
        from django.urls import reverse

        t = time.perf_counter()
        response = client.get(reverse(name), query)
        times[name] = time.perf_counter() - t
        if response.status_code != 200:
            raise AssertionError(f"{name}: {response.status_code}")
    print(f"   /reports/period.xlsx {times['reports-period-xlsx']:.2f} s, then /reports/period.pdf "
          f"{times['reports-period-pdf']:.2f} s (in this process); {_load()}", flush=True)


def main() -> None:
    setup_bench_database()
    from benchmarks.bench_appeals import _prepare

    count = _prepare()
    from django.db.models import Max
    from django.utils import timezone

    from appeals.models import Appeal
    from reports import selectors

    url, dsn = _urls()
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "gis.settings"}
    last = Appeal.objects.aggregate(m=Max("created_at"))["m"]
    day = selectors.summary_day_for(at=last)
    start, end = selectors.summary_window(day=day)
    print(f"   {count:,} appeals in {url}; {_load()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="ecity-bench-reports-") as tmp:
        out = Path(tmp)
        bench_daily(day, start, end, env, dsn, out)
        bench_period(timezone.localdate(last, selectors.KYIV).year - 1, env, dsn, out)
