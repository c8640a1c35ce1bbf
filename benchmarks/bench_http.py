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

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
N = int(os.environ.get("BENCH_HTTP_REQUESTS", "1000"))
THREADS = os.environ.get("BENCH_HTTP_THREADS", "")
RATE = "1200/s"
RATES_ENV = {"API_RATE_GEOCODING": RATE, "API_RATE_PUBLIC": RATE, "API_RATE_LOOKUP": RATE}


def _free_port(taken: set[int] = frozenset()) -> int:
    for port in range(8150, 8200):
        if port in taken:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 8150-8199")


def _database_url() -> str:
    from django.db import connection

    s = connection.settings_dict
    host = s.get("HOST") or (s.get("OPTIONS") or {}).get("host", "")
    user = quote(s.get("USER") or "")
    password = f":{quote(s['PASSWORD'])}" if s.get("PASSWORD") else ""
    if not host or host.startswith("/"):
        return f"postgres://{user}{password}@/{s['NAME']}?host={quote(host)}"
    return f"postgres://{user}{password}@{host}:{s.get('PORT') or 5432}/{s['NAME']}"


class Gunicorn:
    """gunicorn with scripts/gunicorn.conf.py and one worker, serving `app` on a port of its own."""

    def __init__(self, app: str, *, name: str, taken: set[int] = frozenset(),
                 settings_module: str = "gis.settings") -> None:
        self.port = _free_port(taken)
        env = {k: v for k, v in os.environ.items() if k != "DEBUG"}
        env.update(RATES_ENV, DJANGO_SETTINGS_MODULE=settings_module, DATABASE_URL=_database_url(),
                   BIND=f"127.0.0.1:{self.port}", WEB_CONCURRENCY="1",
                   WEB_ACCESS_LOG=str(ROOT / "var" / f"bench_http_{name}_access.log"))
        if THREADS:
            env["WEB_THREADS"] = THREADS
        # libpq names the worker's connections, so their PostgreSQL backends can be found (database_cpu_s).
        self.app_name = f"ecity-bench-{name}-{os.getpid()}"
        env["PGAPPNAME"] = self.app_name
        self.log = open(ROOT / "var" / f"bench_http_{name}.log", "w")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen([str(Path(sys.executable).with_name("gunicorn")), "-c",
                                      "scripts/gunicorn.conf.py", app],
                                     cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self.client = Client(self.port)

    def wait(self, path: str) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                self.client.get(path)
                return
            except OSError:
                if self.proc.poll() is not None:
                    break
                self.client.reset()
                time.sleep(0.3)
        raise RuntimeError("gunicorn did not start: see var/bench_http_*.log")

    def worker_cpu_s(self) -> float:
        """User + system CPU seconds of the worker process (the master's one child)."""
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        return _cpu_s(int(children[0]))

    def database_cpu_s(self) -> float:
        """User + system CPU seconds of the PostgreSQL backends serving this server's connections."""
        from django.db import connection

        with connection.cursor() as cur:
            cur.execute("SELECT pid FROM pg_stat_activity WHERE application_name = %s", [self.app_name])
            pids = [r[0] for r in cur.fetchall()]
        return sum(_cpu_s(pid) for pid in pids)

    def cpu_s(self) -> float:
        """The worker's and its database backends' CPU seconds: what a request costs the machine."""
        return self.worker_cpu_s() + self.database_cpu_s()

    def stop(self) -> None:
        self.client.reset()
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Client:
    """One keep-alive HTTP/1.1 connection (http.client: little client-side cost); reconnects when closed."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn: http.client.HTTPConnection | None = None

    def reset(self) -> None:
        if self.conn is not None:
            self.conn.close()
        self.conn = None

    def get(self, path: str) -> tuple[int, bytes]:
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                self.conn.request("GET", path)
                response = self.conn.getresponse()
                body = response.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.reset()  # the server closed a kept-alive connection: once more on a new one
                if attempt:
                    raise
                continue
            if response.getheader("Connection", "").lower() == "close" or response.version == 10:
                self.reset()
            return response.status, body
        raise AssertionError("unreachable")


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
    web = Gunicorn("gis.wsgi:application", name="web")
    bare = Gunicorn("benchmarks.bare_wsgi:application", name="bare", taken={web.port})
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
