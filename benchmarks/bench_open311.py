"""Open311 over HTTP on one gunicorn worker at 1M appeals: GET requests.json (1,000 rows), POST, requests/s vs bare Django.

Runs in the database of the staff-pages benchmark (<bench>_pages: the demo city and ECITY_BENCH_APPEALS
appeals, default 1,000,000, generated once and kept). Two gunicorn servers are started with the project's
scripts/gunicorn.conf.py (benchmarks/servers.py), each ONE worker: E-City itself and the same settings and
middleware with a single view returning JsonResponse({"ok": true}), the peer for requests/s. The anonymous
rate limits stay on at 1200/s per address (servers.COUNTED_RATES: their cost is in the figure, the benchmark's
clients are not refused); the POSTs' key has a rate of its own. Every POST files a real appeal (they stay in
the benchmark database).

    .venv/bin/python benchmarks/run.py open311
    ECITY_BENCH_REPEAT=50 .venv/bin/python benchmarks/run.py open311     # quicker, while developing
"""

from __future__ import annotations

import os
import random
import threading
import time
import urllib.parse

from benchmarks.common import percentiles, report, setup_bench_database
from benchmarks.servers import COUNTED_RATES, Client, Gunicorn

REPEAT = int(os.environ.get("ECITY_BENCH_REPEAT", "200"))
LOAD_SECONDS = float(os.environ.get("ECITY_BENCH_LOAD_SECONDS", "8"))
LOAD_THREADS = 4


def _post(client: Client, path: str, form: dict) -> tuple[int, bytes]:
    status, _, body = client.request("POST", path, body=urllib.parse.urlencode(form).encode(),
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    return status, body


def _timed(fn, n: int, *, server: Gunicorn | None = None, label: str = "") -> list[float]:
    """Wall time per call; with ``server`` also the CPU per call of its worker and its PostgreSQL backends,
    which a busy machine does not inflate the way it inflates the wall time."""
    out = []
    cpu0 = server.cpu_s() if server else 0.0
    for _ in range(n):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    if server:
        stats = percentiles(out)
        cpu = (server.cpu_s() - cpu0) / n * 1000
        report(label, {**stats, "CPU/request (worker + PostgreSQL)": cpu})
    return out


def _throughput(server: Gunicorn, paths: list[str]) -> tuple[float, float]:
    """Requests/s that LOAD_THREADS keep-alive clients get from the server in LOAD_SECONDS, and the
    worker's CPU seconds per request (1 / that is what the worker could do with a core to itself)."""
    count = [0]
    stop = time.monotonic() + LOAD_SECONDS
    lock = threading.Lock()

    def run():
        client = Client(server.port)
        i = 0
        while time.monotonic() < stop:
            status, body = client.get(paths[i % len(paths)])
            assert status == 200, (status, body[:300])
            i += 1
        client.reset()
        with lock:
            count[0] += i

    threads = [threading.Thread(target=run) for _ in range(LOAD_THREADS)]
    cpu0 = server.worker_cpu_s()
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    return count[0] / elapsed, (server.worker_cpu_s() - cpu0) / max(count[0], 1)


def main() -> None:
    # ECITY_BENCH_DB=bench: the shared 1M database (ecity_bench, e.g. restored from a dump) instead of its own.
    setup_bench_database(os.environ.get("ECITY_BENCH_DB", "pages"))
    from benchmarks.bench_appeal_pages import _prepare

    count = _prepare()
    from django.utils import timezone

    from appeals.models import Appeal
    from citizens.open311 import formats, keys, selectors
    from layers.models import Building

    load = os.getloadavg()
    print(f"   {count} appeals; one gunicorn worker per server; load average {load[0]:.1f} {load[1]:.1f} "
          f"{load[2]:.1f}", flush=True)
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

    web = Gunicorn("gis.wsgi:application", name="open311", env=COUNTED_RATES)
    bare = Gunicorn("benchmarks.bare_wsgi:application", name="open311_bare", taken={web.port}, env=COUNTED_RATES)
    try:
        web.wait("/open311/discovery.json")
        bare.wait("/")
        status, body = web.client.get("/open311/v2/requests.json")
        assert status == 200 and body.count(b'"service_request_id"') == 1000, (status, body[:200])
        pages = [f"/open311/v2/requests.json?page={p}" for p in (1, 2, 3, 4)]
        for p in pages:  # warm-up: the worker's caches and prepared statements
            web.client.get(p)
        _timed(lambda: _ok(web.client.get(rng.choice(pages))), REPEAT, server=web,
               label="HTTP GET requests.json, 1,000 rows (pages 1-4)")
        _timed(lambda: _ok(web.client.get("/open311/v2/requests.xml")), max(REPEAT // 2, 10), server=web,
               label="HTTP GET requests.xml, 1,000 rows")
        _timed(lambda: _ok(web.client.get(f"/open311/v2/requests/{rng.choice(recent)}.json")), REPEAT,
               server=web, label="HTTP GET requests/{id}.json")
        _timed(lambda: _ok(bare.client.get("/")), REPEAT, server=bare, label="HTTP GET bare JsonResponse (peer)")

        def post():
            form = {"api_key": key, "service_code": "lift_stuck", "address_id": str(rng.choice(buildings)),
                    "description": "Ліфт зупинився між поверхами, люди всередині", "attribute[people_inside]": "yes",
                    "attribute[floor]": str(rng.randint(1, 9)), "first_name": "Бенч", "last_name": "Тест",
                    "phone": f"+38050{rng.randint(1000000, 9999999)}"}
            _ok(_post(web.client, "/open311/v2/requests.json", form), 201)

        _timed(post, max(REPEAT // 2, 10), server=web,
               label="HTTP POST requests.json (address_id, 2 attributes, name and phone)")

        bare_rps, bare_cpu = _throughput(bare, ["/"])
        print(f"   requests/s, one worker, {LOAD_THREADS} keep-alive clients, {LOAD_SECONDS:.0f} s each "
              "(and the worker's CPU per request → what it could serve with a core to itself):", flush=True)
        print(f"     bare Django JsonResponse (same settings and middleware): {bare_rps:.0f}/s; "
              f"{bare_cpu * 1000:.2f} ms CPU → {1 / bare_cpu:.0f}/s", flush=True)
        for label, paths in [
            ("services.json", ["/open311/v2/services.json"]),
            ("requests/{id}.json", [f"/open311/v2/requests/{n}.json" for n in recent[:50]]),
            ("requests.json?page_size=10", ["/open311/v2/requests.json?page_size=10"]),
            ("requests.json (1,000 rows)", ["/open311/v2/requests.json"]),
        ]:
            rps, cpu = _throughput(web, paths)
            print(f"     Open311 {label}: {rps:.0f}/s = {rps / bare_rps:.2f} of bare; {cpu * 1000:.2f} ms CPU → "
                  f"{1 / cpu:.0f}/s = {bare_cpu / cpu:.2f} of bare", flush=True)
    finally:
        web.stop()
        bare.stop()
    load = os.getloadavg()
    print(f"   load average after: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}", flush=True)


def _ok(answer: tuple[int, bytes], expected: int = 200) -> None:
    status, body = answer
    assert status == expected, (status, body[:300])
