"""Reports at a million appeals: the 07:00 summary (figures + HTML + PDF + archive) and the 12-month report
(figures for the year and the year before, XLSX, PDF with both charts).

In the bench database with the demo city and the generated million of bench_appeals (made once, kept).
Targets (issue 14): the 12-month report (XLSX + PDF) ≤ 15 s; the daily summary ≤ 3 s.

    .venv/bin/python benchmarks/run.py bench_reports
"""

from __future__ import annotations

import os
import statistics
import time

from benchmarks.common import setup_bench_database

REPEAT = int(os.environ.get("ECITY_BENCH_REPORTS_REPEAT", "3"))


def _timed(fn) -> tuple[float, object]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def _load() -> str:
    """The machine's load: on a shared machine the wall times below include waiting for a core."""
    one, five, _fifteen = os.getloadavg()
    return f"load average {one:.1f} / {five:.1f} on {os.cpu_count()} cores"


def main() -> None:
    setup_bench_database()
    from benchmarks.bench_appeals import _prepare

    count = _prepare()
    from django.db.models import Max
    from django.utils import timezone

    from appeals.models import Appeal, Call
    from reports import documents, period, selectors, services, xlsx

    last = Appeal.objects.aggregate(m=Max("created_at"))["m"]
    day = selectors.summary_day_for(at=last)
    start, end = selectors.summary_window(day=day)
    in_window = Appeal.objects.filter(created_at__gte=start, created_at__lt=end).count()
    calls = Call.objects.filter(started_at__gte=start, started_at__lt=end).count()
    print(f"   {count:,} appeals in the database; the summary of {day:%d.%m.%Y}: {in_window} appeals, {calls} calls "
          f"in its window", flush=True)
    services.build_daily_summary(day=day, regenerate=True)  # warm-up: imports, fonts, caches
    daily, cpu = [], []
    for _ in range(REPEAT):
        c0 = time.process_time()
        seconds, summary = _timed(lambda: services.build_daily_summary(day=day, regenerate=True))
        daily.append(seconds)
        cpu.append(time.process_time() - c0)
    t_fig, _f = _timed(lambda: selectors.daily_figures(day=day))
    print(f"   daily summary (figures + HTML + PDF + archive): median {statistics.median(daily):.2f} s, "
          f"max {max(daily):.2f} s over {REPEAT} runs (target ≤ 3 s), of it {statistics.median(cpu):.2f} s CPU in this "
          f"process (HTML + PDF); the figures alone {t_fig:.2f} s; PDF {len(bytes(summary.pdf)) / 1024:.0f} KiB, "
          f"{summary.figures['long_overdue']} long-overdue; {_load()}", flush=True)

    year = timezone.localdate(last, selectors.KYIV).year - 1
    p = period.months_period(months=12, year=year)
    runs = []
    for _ in range(max(1, REPEAT - 1)):
        t_fig, report = _timed(lambda: period.period_report(period=p, now=timezone.now()))
        t_xlsx, data_x = _timed(lambda: xlsx.period_xlsx(report))  # noqa: B023 - used at once
        c0 = time.process_time()
        t_pdf, data_p = _timed(lambda: documents.period_pdf(report))  # noqa: B023
        runs.append((t_fig + t_xlsx + t_pdf, t_fig, t_xlsx, t_pdf, time.process_time() - c0))
    best = min(runs)
    print(f"   12-month report {p.label} ({report.appeals.current:,} appeals, {report.calls.current:,} calls; "
          f"vs {report.appeals.previous:,} / {report.calls.previous:,}): total {best[0]:.2f} s "
          f"(figures {best[1]:.2f} s, XLSX {best[2]:.2f} s, PDF {best[3]:.2f} s of which {best[4]:.2f} s CPU); worst "
          f"{max(runs)[0]:.2f} s (target ≤ 15 s); XLSX {len(data_x) / 1024:.0f} KiB, PDF {len(data_p) / 1024:.0f} KiB; "
          f"{_load()}", flush=True)
