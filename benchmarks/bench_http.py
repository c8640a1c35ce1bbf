"""HTTP: reverse, lookup (by building and by address) and geocode through gunicorn with ONE worker, beside the same views in process and a bare Django peer.

The production server as scripts/serve.sh runs it (scripts/gunicorn.conf.py, DEBUG off, persistent database
connections, every middleware, the rate limit counting) on the benchmark database with the demo city. One
client on one keep-alive connection asks one request after another (target: p95 ≤ 10 ms over HTTP).
The peer is benchmarks/bare_wsgi.py: the same settings and middleware answering JsonResponse({"ok": true}),
in a gunicorn of its own; each API request is followed by one to the peer, so both are measured under the
same load. The worker's own CPU time per request (from /proc) is printed too: it moves little with the
machine's load, where wall-clock figures on a shared machine do.

The rate limits stay on, at 1200 requests per *second* per address: the same batch (1%: a Redis round trip
every 12 requests, or every second) as the production default of 1200 per minute, without refusing the
benchmark's one client.

    BENCH_HTTP_REQUESTS=1000 make bench BENCH_ARGS=http
    BENCH_HTTP_THREADS=1 ...    gunicorn's sync worker instead of gthread (WEB_THREADS)
"""

from __future__ import annotations

import os
import time
from urllib.parse import quote

import numpy as np

from benchmarks.servers import COUNTED_RATES, Client, Gunicorn

N = int(os.environ.get("BENCH_HTTP_REQUESTS", "1000"))
THREADS = os.environ.get("BENCH_HTTP_THREADS", "")
RATE = COUNTED_RATES["API_RATE_PUBLIC"]


def _timed(client: Client, path: str) -> float:
    t = time.perf_counter()
    status, body = client.get(path)
    elapsed = time.perf_counter() - t
    assert status == 200, (path, status, body[:200])
    return elapsed


def _in_process(paths: list[str]) -> list[float]:
    from django.conf import settings
    from django.test import Client as DjangoClient
    from django.test.utils import override_settings

    client = DjangoClient()
    rates = {"geocoding": RATE, "public": RATE, "lookup": RATE}
    with override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}):
        for p in paths[:50]:
            client.get(p)
        out = []
        for p in paths:
            t = time.perf_counter()
            r = client.get(p)
            out.append(time.perf_counter() - t)
            assert r.status_code == 200, (p, r.status_code)
    return out


def _fmt(stats: dict[str, float]) -> str:
    return f"p50 {stats['p50']:6.2f}  p95 {stats['p95']:6.2f}"


def main() -> None:
    from benchmarks.common import percentiles, setup_bench_database

    setup_bench_database()
    from django.core.management import call_command

    from layers.models import Building

    call_command("load_demo_city", verbosity=0)
    buildings = list(Building.objects.filter(street__isnull=False).select_related("street")
                     .order_by("id").only("id", "point", "housenumber", "street__name", "street__street_type"))
    from geocoding import services

    rng = np.random.default_rng(1505)
    picks = [buildings[i] for i in rng.integers(0, len(buildings), N)]
    # By address: those the gazetteer finds as one building (a street name shared by two neighbourhoods
    # answers 300 "ambiguous" without a hint, a cheaper answer that would flatter the figure).
    named = [b for b in picks if (r := services.geocode(query=b.address, limit=5)) and r[0].match != "ambiguous"
             and r[0].building_id is not None]
    named = [named[i % len(named)] for i in range(N)]
    endpoints = {
        "reverse": [f"/api/v1/reverse?lon={b.point.x + 0.00005:.7f}&lat={b.point.y:.7f}" for b in picks],
        "lookup?building=": [f"/api/v1/lookup?building={b.pk}" for b in picks],
        "geocode": [f"/api/v1/geocode?q={quote(b.address)}" for b in named],
        "lookup?q=": [f"/api/v1/lookup?q={quote(b.address)}" for b in named],
    }
    load = os.getloadavg()
    worker = f"{THREADS or os.environ.get('WEB_THREADS', '2')} thread(s)"
    print(f"   {len(buildings)} buildings, {N} requests per line, one client, one keep-alive connection; "
          f"gunicorn 1 worker, {worker}; load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}", flush=True)

    in_process = {label: percentiles(_in_process(paths)) for label, paths in endpoints.items()}
    env = {**COUNTED_RATES, **({"WEB_THREADS": THREADS} if THREADS else {})}
    web = Gunicorn("gis.wsgi:application", name="http_web", env=env)
    bare = Gunicorn("benchmarks.bare_wsgi:application", name="http_bare", taken={web.port}, env=env)
    try:
        web.wait("/healthz")
        bare.wait("/")
        print("   ms, p50 / p95            in process     |  HTTP (gunicorn)   | bare JsonResponse peer, "
              "same run | CPU ms/request: worker + PostgreSQL", flush=True)
        for label, paths in endpoints.items():
            for p in paths[:50]:  # warm-up: the worker's caches and prepared statements
                web.client.get(p)
                bare.client.get("/")
            api, peer = [], []
            cpu, db_cpu, bare_cpu = web.worker_cpu_s(), web.database_cpu_s(), bare.worker_cpu_s()
            for p in paths:
                api.append(_timed(web.client, p))
                peer.append(_timed(bare.client, "/"))
            cpu_ms = (web.worker_cpu_s() - cpu) / len(paths) * 1000
            db_ms = (web.database_cpu_s() - db_cpu) / len(paths) * 1000
            bare_cpu_ms = (bare.worker_cpu_s() - bare_cpu) / len(paths) * 1000
            http_stats, peer_stats = percentiles(api), percentiles(peer)
            print(f"   GET /api/v1/{label:17s} {_fmt(in_process[label])} | {_fmt(http_stats)} | "
                  f"{_fmt(peer_stats)} | {cpu_ms:5.2f} + {db_ms:4.2f} (peer {bare_cpu_ms:4.2f})  (p95 ≤ 10 ms: "
                  f"{'met' if http_stats['p95'] <= 10 else 'NOT met'}; {len(api) / sum(api):.0f} requests/s)",
                  flush=True)
    finally:
        web.stop()
        bare.stop()
    load = os.getloadavg()
    print(f"   load average after: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}", flush=True)
