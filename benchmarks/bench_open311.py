"""Open311 over HTTP on one gunicorn worker at 1M appeals: GET requests.json (1,000 rows), POST, requests/s vs bare Django.

Runs in the database of the staff-pages benchmark (<bench>_pages: the demo city and ECITY_BENCH_APPEALS
appeals, default 1,000,000, generated once and kept). Two gunicorn servers are started with the project's
scripts/gunicorn.conf.py, each ONE sync worker: E-City itself (port OPEN311_BENCH_PORT, default 8610) and
the same settings and middleware with a single view returning JsonResponse({"ok": true}) (port + 1), the
peer for requests/s. Every POST files a real appeal (they stay in the benchmark database).

    .venv/bin/python benchmarks/run.py open311
    ECITY_BENCH_REPEAT=50 .venv/bin/python benchmarks/run.py open311     # quicker, while developing
"""

from __future__ import annotations

import contextlib
import http.client
import os
import random
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

from benchmarks.common import percentiles, report, setup_bench_database

ROOT = Path(__file__).resolve().parent.parent
PORT = int(os.environ.get("OPEN311_BENCH_PORT", "8610"))
REPEAT = int(os.environ.get("ECITY_BENCH_REPEAT", "200"))
LOAD_SECONDS = float(os.environ.get("ECITY_BENCH_LOAD_SECONDS", "8"))
LOAD_THREADS = 4


def _database_url() -> str:
    from django.db import connection

    s = connection.settings_dict
    host = s.get("HOST") or (s.get("OPTIONS") or {}).get("host", "")
    user = urllib.parse.quote(s.get("USER") or "")
    return f"postgres://{user}@/{s['NAME']}?host={urllib.parse.quote(host)}"


_TICK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children so far (/proc), in seconds."""
    total = 0.0
    pids = [pid]
    with contextlib.suppress(OSError):
        pids += [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    for p in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / _TICK
    return total


@contextlib.contextmanager
def _gunicorn(app: str, port: int):
    env = {**os.environ, "DATABASE_URL": _database_url(), "BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "1",
           "WEB_THREADS": "1", "WEB_ACCESS_LOG": "/dev/null", "DJANGO_SETTINGS_MODULE": "gis.settings",
           "PYTHONPATH": str(ROOT)}
    log = open(ROOT / "var" / f"bench_open311_{port}.log", "wb")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen([str(Path(sys.executable).with_name("gunicorn")), "-c", "scripts/gunicorn.conf.py", app],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _get(port, "/open311/discovery.json" if "gis.wsgi" in app else "/")
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError(f"gunicorn on {port} did not start: see var/bench_open311_{port}.log") from None
                time.sleep(0.3)
        yield proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def _get(port: int, path: str, conn: http.client.HTTPConnection | None = None) -> tuple[int, bytes]:
    c = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("GET", path)
    r = c.getresponse()
    body = r.read()
    if conn is None:
        c.close()
    return r.status, body


def _post(port: int, path: str, form: dict) -> tuple[int, bytes]:
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("POST", path, body=urllib.parse.urlencode(form),
              headers={"Content-Type": "application/x-www-form-urlencoded"})
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, body


def _timed(fn, n: int, *, server: int | None = None, label: str = "") -> list[float]:
    """Wall time per call; with ``server`` (a gunicorn master's pid) also the server's own CPU per call,
    which a busy machine does not inflate the way it inflates the wall time."""
    out = []
    cpu0 = _cpu_seconds(server) if server else 0.0
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    if server:
        stats = percentiles(out)
        cpu = (_cpu_seconds(server) - cpu0) / n * 1000
        report(label, {**stats, "worker CPU/request": cpu})
    return out


def _throughput(port: int, paths: list[str], server: int) -> tuple[float, float]:
    """Requests/s that LOAD_THREADS keep-alive clients get from the server in LOAD_SECONDS, and the
    worker's CPU seconds per request (1 / that is what the worker could do with a core to itself)."""
    count = [0]
    stop = time.monotonic() + LOAD_SECONDS
    lock = threading.Lock()

    def run():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        i = 0
        while time.monotonic() < stop:
            status, _ = _get(port, paths[i % len(paths)], conn)
            assert status == 200, status
            i += 1
        conn.close()
        with lock:
            count[0] += i

    threads = [threading.Thread(target=run) for _ in range(LOAD_THREADS)]
    cpu0 = _cpu_seconds(server)
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    return count[0] / elapsed, (_cpu_seconds(server) - cpu0) / max(count[0], 1)


def main() -> None:
    # ECITY_BENCH_DB=bench: the shared 1M database (ecity_bench, e.g. restored from a dump) instead of its own.
    setup_bench_database(os.environ.get("ECITY_BENCH_DB", "pages"))
    from benchmarks.bench_appeal_pages import _prepare

    count = _prepare()
    from django.utils import timezone

    from appeals.models import Appeal
    from citizens.open311 import formats, keys, selectors
    from layers.models import Building

    print(f"   {count} appeals; one gunicorn sync worker per server; the machine is shared", flush=True)
    key = (keys.create_key(name=f"bench-{int(time.time())}", rate_limit_per_minute=1_000_000)).key
    now = timezone.now()
    recent = list(Appeal.objects.filter(created_at__gte=now - selectors.MAX_SPAN, category__is_public=True)
                  .order_by("-created_at").values_list("number", flat=True)[:200])
    buildings = list(Building.objects.filter(source="demo", kind="apartment").values_list("id", flat=True)[:5000])
    rng = random.Random(13)

    # In process, for the record: the selector alone.
    rows = selectors.requests(query=selectors.RequestQuery(), now=now)
    report(f"in process: selectors.requests, {len(rows)} rows",
           percentiles(_timed(lambda: selectors.requests(query=selectors.RequestQuery(), now=timezone.now()), REPEAT)))
    cpu0 = time.process_time()
    for _ in range(20):
        formats.to_json(rows)
    json_cpu = (time.process_time() - cpu0) / 20 * 1000
    cpu0 = time.process_time()
    for _ in range(20):
        formats.to_xml("service_requests", "request", rows)
    print(f"   in process, CPU: 1,000 rows to JSON {json_cpu:.1f} ms, to XML {(time.process_time() - cpu0) / 20 * 1000:.1f} ms",
          flush=True)

    with _gunicorn("gis.wsgi:application", PORT) as web, _gunicorn("benchmarks.bare_wsgi:application", PORT + 1) as bare_pid:
        status, body = _get(PORT, "/open311/v2/requests.json")
        assert status == 200 and body.count(b'"service_request_id"') == 1000, (status, body[:200])
        pages = [f"/open311/v2/requests.json?page={p}" for p in (1, 2, 3, 4)]
        _timed(lambda: _get(PORT, rng.choice(pages)), REPEAT, server=web,
               label="HTTP GET requests.json, 1,000 rows (pages 1-4)")
        _timed(lambda: _get(PORT, "/open311/v2/requests.xml"), max(REPEAT // 2, 10), server=web,
               label="HTTP GET requests.xml, 1,000 rows")
        _timed(lambda: _get(PORT, f"/open311/v2/requests/{rng.choice(recent)}.json"), REPEAT, server=web,
               label="HTTP GET requests/{id}.json")
        _timed(lambda: _get(PORT + 1, "/"), REPEAT, server=bare_pid, label="HTTP GET bare JsonResponse (peer)")

        def post():
            form = {"api_key": key, "service_code": "lift_stuck", "address_id": str(rng.choice(buildings)),
                    "description": "Ліфт зупинився між поверхами, люди всередині", "attribute[people_inside]": "yes",
                    "attribute[floor]": str(rng.randint(1, 9)), "first_name": "Бенч", "last_name": "Тест",
                    "phone": f"+38050{rng.randint(1000000, 9999999)}"}
            status, body = _post(PORT, "/open311/v2/requests.json", form)
            assert status == 201, (status, body[:300])

        _timed(post, max(REPEAT // 2, 10), server=web,
               label="HTTP POST requests.json (address_id, 2 attributes, name and phone)")

        bare, bare_cpu = _throughput(PORT + 1, ["/"], bare_pid)
        print(f"   requests/s, one worker, {LOAD_THREADS} keep-alive clients, {LOAD_SECONDS:.0f} s each "
              "(and the worker's CPU per request → what it could serve with a core to itself):", flush=True)
        print(f"     bare Django JsonResponse (same settings and middleware): {bare:.0f}/s; "
              f"{bare_cpu * 1000:.2f} ms CPU → {1 / bare_cpu:.0f}/s", flush=True)
        for label, paths in [
            ("services.json", ["/open311/v2/services.json"]),
            ("requests/{id}.json", [f"/open311/v2/requests/{n}.json" for n in recent[:50]]),
            ("requests.json?page_size=10", ["/open311/v2/requests.json?page_size=10"]),
            ("requests.json (1,000 rows)", ["/open311/v2/requests.json"]),
        ]:
            rps, cpu = _throughput(PORT, paths, web)
            print(f"     Open311 {label}: {rps:.0f}/s = {rps / bare:.2f} of bare; {cpu * 1000:.2f} ms CPU → "
                  f"{1 / cpu:.0f}/s = {bare_cpu / cpu:.2f} of bare", flush=True)
