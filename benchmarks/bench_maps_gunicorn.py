"""Maps over HTTP at 1M appeals: uncached appeals tiles and cluster requests per zoom through gunicorn (ONE worker), beside the same requests in process, the bare Django peer and tipg.

The bench database must hold the 1M appeals already (bench_maps fills it; or restore a dump of it into
ecity_bench). Uncached over HTTP: the gunicorn worker runs with a dummy cache (benchmarks/settings_nocache.py),
so every tile is made anew, as the in-process figure does with cache.clear() before each request. Each API
request is followed by one to the bare JsonResponse peer (benchmarks/bare_wsgi.py), so both are measured under
the same load; the worker's own CPU per request is printed too (it moves little with the machine's load).
Target (issue 9): p95 ≤ 10 ms over HTTP at every zoom.

tipg (the PostGIS OGC tile server of the issue, PyPI) is run beside on the same table when it is installed
in var/tipg-venv (`python3 -m venv var/tipg-venv && var/tipg-venv/bin/pip install tipg uvicorn`): its
appeals_appeal collection's tiles for the same tile addresses, uvicorn, one worker. It serves every row of the
table (no public window, no clustering), as its users would point it at the table.

    BENCH_MAPS_GUNICORN_TILES=100 BENCH_MAPS_GUNICORN_VIEWPORTS=100 make bench BENCH_ARGS=maps_gunicorn
"""

from __future__ import annotations

import os
import random
import subprocess
import time
from pathlib import Path

from benchmarks.bench_maps import _tile_xy, _viewport
from benchmarks.servers import COUNTED_RATES, Client, Gunicorn, free_port

ROOT = Path(__file__).resolve().parent.parent
N_TILES = int(os.environ.get("BENCH_MAPS_GUNICORN_TILES", "100"))  # per zoom
N_VIEWPORTS = int(os.environ.get("BENCH_MAPS_GUNICORN_VIEWPORTS", "100"))  # per zoom
N_TIPG = int(os.environ.get("BENCH_MAPS_GUNICORN_TIPG_TILES", "15"))  # per zoom: tipg takes seconds a tile at low zoom
ZOOMS = range(10, 19)
TIPG = ROOT / "var" / "tipg-venv" / "bin" / "uvicorn"


def _fmt(stats: dict[str, float]) -> str:
    return f"p50 {stats['p50']:6.2f}  p95 {stats['p95']:6.2f}"


class Tipg:
    """tipg under uvicorn on our bench database (its asyncpg pool reads DATABASE_URL)."""

    def __init__(self, taken: set[int]) -> None:
        self.port = free_port(taken)
        env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO")}
        # pydantic's PostgresDsn wants a host: our socket's directory, percent-encoded, is one asyncpg reads.
        from urllib.parse import quote

        from django.db import connection

        db = connection.settings_dict
        host = db.get("HOST") or (db.get("OPTIONS") or {}).get("host", "")
        url = f"postgresql://{quote(db.get('USER') or '')}@{quote(host, safe='')}/{db['NAME']}"
        env.update(DATABASE_URL=url, TIPG_DB_SCHEMAS='["public"]', TIPG_DB_TABLES='["public.appeals_appeal"]',
                   TIPG_MAX_FEATURES_PER_TILE="10000")
        self.log = open(ROOT / "var" / "bench_maps_gunicorn_tipg.log", "w")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen([str(TIPG), "tipg.main:app", "--host", "127.0.0.1", "--port", str(self.port),
                                      "--workers", "1", "--log-level", "warning"],
                                     cwd=ROOT / "var", env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self.client = Client(self.port)

    def wait(self) -> bool:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                status, _body = self.client.get("/collections")
                return status == 200
            except OSError:
                if self.proc.poll() is not None:
                    return False
                self.client.reset()
                time.sleep(0.5)
        return False

    def stop(self) -> None:
        self.client.reset()
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def _timed(client: Client, path: str) -> tuple[float, int]:
    t = time.perf_counter()
    status, body = client.get(path)
    elapsed = time.perf_counter() - t
    if status not in (200, 204):
        raise RuntimeError(f"{path}: HTTP {status} {body[:200]!r}")
    return elapsed, len(body)


def main() -> None:
    from benchmarks.common import percentiles, setup_bench_database

    setup_bench_database()
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client as DjangoClient

    from layers.models import Building

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM appeals_appeal")
        total = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM appeals_appeal WHERE created_at > now() - interval '90 days'")
        recent = cur.fetchone()[0]
    load = os.getloadavg()
    print(f"   {total:,} appeals ({recent:,} in the 90-day public window); gunicorn 1 worker; "
          f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}", flush=True)
    if total < 900_000:
        print("   fewer than 1M appeals: run bench_maps first (it fills the bench database)", flush=True)

    rng = random.Random(9)
    points = [b.point.coords for b in Building.objects.order_by("id").only("point")]
    tiles = {z: [_tile_xy(*rng.choice(points), z) for _ in range(N_TILES)] for z in ZOOMS}
    viewports = {z: [_viewport(*rng.choice(points), z) for _ in range(N_VIEWPORTS)] for z in ZOOMS}

    django_client = DjangoClient()

    def in_process(path: str) -> float:
        cache.clear()
        t = time.perf_counter()
        response = django_client.get(path)
        elapsed = time.perf_counter() - t
        if response.status_code != 200:
            raise RuntimeError(f"{path}: HTTP {response.status_code}")
        return elapsed

    web = Gunicorn("gis.wsgi:application", name="maps", settings_module="benchmarks.settings_nocache",
                   env=COUNTED_RATES)
    bare = Gunicorn("benchmarks.bare_wsgi:application", name="maps_bare", taken={web.port}, env=COUNTED_RATES)
    tipg = Tipg({web.port, bare.port}) if TIPG.exists() else None
    try:
        web.wait("/healthz")
        bare.wait("/")
        tipg_up = tipg.wait() if tipg is not None else False
        if tipg is None:
            print("   tipg: not installed in var/tipg-venv, skipped", flush=True)
        elif not tipg_up:
            print("   tipg: did not start (see var/bench_maps_gunicorn_tipg.log), skipped", flush=True)
        print("   ms, p50 / p95          in process      |  HTTP (gunicorn)   | bare peer, same run | CPU ms/request: "
              "worker + PostgreSQL" + (" | tipg, same tiles" if tipg_up else ""), flush=True)
        for kind in ("tile", "clusters"):
            for z in ZOOMS:
                if kind == "tile":
                    paths = [f"/tiles/appeals/{z}/{x}/{y}.pbf" for x, y in tiles[z]]
                else:
                    paths = [f"/api/v1/public/clusters?bbox={b}&zoom={z}" for b in viewports[z]]
                for p in paths[:10]:  # warm-up: plans, connections
                    in_process(p)
                    web.client.get(p)
                    bare.client.get("/")
                local = [in_process(p) for p in paths]
                api, peer, sizes, tipg_times = [], [], [], []
                cpu, db_cpu = web.worker_cpu_s(), web.database_cpu_s()
                for i, p in enumerate(paths):
                    elapsed, size = _timed(web.client, p)
                    api.append(elapsed)
                    sizes.append(size)
                    peer.append(_timed(bare.client, "/")[0])
                    if tipg_up and kind == "tile" and i < N_TIPG:
                        x, y = tiles[z][i]
                        tipg_times.append(_timed(tipg.client, f"/collections/public.appeals_appeal/tiles/"
                                                               f"WebMercatorQuad/{z}/{x}/{y}")[0])
                cpu_ms = (web.worker_cpu_s() - cpu) / len(paths) * 1000
                db_ms = (web.database_cpu_s() - db_cpu) / len(paths) * 1000
                http_stats = percentiles(api)
                line = (f"   {kind:8s} z{z:<2d} {_fmt(percentiles(local))} | {_fmt(http_stats)} | "
                        f"{_fmt(percentiles(peer))} | {cpu_ms:5.2f} + {db_ms:5.2f}  ({max(sizes) / 1024:.0f} KiB max; p95 ≤ 10 ms: "
                        f"{'met' if http_stats['p95'] <= 10 else 'NOT met'})")
                if tipg_times:
                    line += f" | tipg {_fmt(percentiles(tipg_times))}"
                print(line, flush=True)
    finally:
        web.stop()
        bare.stop()
        if tipg is not None:
            tipg.stop()
    load = os.getloadavg()
    print(f"   load average after: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}", flush=True)
