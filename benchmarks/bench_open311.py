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
        yield
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


def _timed(fn, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def _throughput(port: int, paths: list[str]) -> float:
    """Requests/s that LOAD_THREADS keep-alive clients get from the server in LOAD_SECONDS."""
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
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return count[0] / (time.monotonic() - started)


def main() -> None:
    setup_bench_database("pages")
    from benchmarks.bench_appeal_pages import _prepare

    count = _prepare()
    from django.utils import timezone

    from appeals.models import Appeal
    from citizens.open311 import keys, selectors
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

    with _gunicorn("gis.wsgi:application", PORT), _gunicorn("benchmarks.bare_wsgi:application", PORT + 1):
        status, body = _get(PORT, "/open311/v2/requests.json")
        assert status == 200 and body.count(b'"service_request_id"') == 1000, (status, body[:200])
        pages = [f"/open311/v2/requests.json?page={p}" for p in (1, 2, 3, 4)]
        report("HTTP GET requests.json, 1,000 rows (pages 1-4)",
               percentiles(_timed(lambda: _get(PORT, rng.choice(pages)), REPEAT)))
        report("HTTP GET requests.xml, 1,000 rows", percentiles(_timed(lambda: _get(PORT, "/open311/v2/requests.xml"),
                                                                     max(REPEAT // 2, 10))))
        report("HTTP GET requests/{id}.json",
               percentiles(_timed(lambda: _get(PORT, f"/open311/v2/requests/{rng.choice(recent)}.json"), REPEAT)))

        def post():
            form = {"api_key": key, "service_code": "lift_stuck", "address_id": str(rng.choice(buildings)),
                    "description": "Ліфт зупинився між поверхами, люди всередині", "attribute[people_inside]": "yes",
                    "attribute[floor]": str(rng.randint(1, 9)), "first_name": "Бенч", "last_name": "Тест",
                    "phone": f"+38050{rng.randint(1000000, 9999999)}"}
            status, body = _post(PORT, "/open311/v2/requests.json", form)
            assert status == 201, (status, body[:300])

        report("HTTP POST requests.json (address_id, 2 attributes, name and phone)",
               percentiles(_timed(post, max(REPEAT // 2, 10))))

        bare = _throughput(PORT + 1, ["/"])
        print(f"   requests/s, one worker, {LOAD_THREADS} keep-alive clients, {LOAD_SECONDS:.0f} s each:", flush=True)
        print(f"     bare Django JsonResponse (same settings and middleware): {bare:.0f}/s", flush=True)
        for label, paths in [
            ("services.json", ["/open311/v2/services.json"]),
            ("requests/{id}.json", [f"/open311/v2/requests/{n}.json" for n in recent[:50]]),
            ("requests.json?page_size=10", ["/open311/v2/requests.json?page_size=10"]),
            ("requests.json (1,000 rows)", ["/open311/v2/requests.json"]),
        ]:
            rps = _throughput(PORT, paths)
            print(f"     Open311 {label}: {rps:.0f}/s = {rps / bare:.2f} of bare", flush=True)
