"""The production server for benchmarks that time HTTP requests: gunicorn with scripts/gunicorn.conf.py on a
port of its own, a keep-alive HTTP client with little cost of its own, and the CPU a request costs the worker
and its PostgreSQL backends (from /proc: it moves little with the machine's load, where wall-clock figures on a
shared machine do).

One place for what bench_http, bench_maps_gunicorn, bench_open311, bench_citizens_http and
bench_public_map_mobile start and measure.
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

ROOT = Path(__file__).resolve().parent.parent
LIMITS_ENV = ROOT / "benchmarks" / "load" / "limits.env"
# The anonymous rate limits kept on, at 1200 requests per *second* per address: the same batch (1%: a Redis
# round trip every 12 requests, or every second) as the production default of 1200 per minute, without
# refusing a benchmark's one client. What the read benchmarks run with, so the limit's cost is in the figure.
COUNTED_RATES = {"API_RATE_GEOCODING": "1200/s", "API_RATE_PUBLIC": "1200/s", "API_RATE_LOOKUP": "1200/s"}


def free_port(taken: set[int] = frozenset(), low: int = 8150, high: int = 8200) -> int:
    """A loopback port nobody listens on (BENCH_PORT_LOW/HIGH move the range, for parallel runs)."""
    low = int(os.environ.get("BENCH_PORT_LOW", low))
    high = int(os.environ.get("BENCH_PORT_HIGH", high))
    for port in range(low, high):
        if port in taken:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {low}-{high - 1}")


def database_url() -> str:
    """DATABASE_URL of the database Django uses now (the benchmark's), for a server started beside it.
    dj_database_url keeps a unix socket (…?host=/path) in OPTIONS, not in HOST."""
    from django.db import connection

    s = connection.settings_dict
    host = s.get("HOST") or (s.get("OPTIONS") or {}).get("host", "")
    user = quote(s.get("USER") or "")
    password = f":{quote(s['PASSWORD'])}" if s.get("PASSWORD") else ""
    if not host or host.startswith("/"):
        return f"postgres://{user}{password}@/{s['NAME']}?host={quote(host)}"
    return f"postgres://{user}{password}@{host}:{s.get('PORT') or 5432}/{s['NAME']}"


def lifted_limits() -> dict[str, str]:
    """The settings the load test runs with (benchmarks/load/limits.env): every rate limit lifted through its
    setting, so that one machine's clients on 127.0.0.1 are not refused as a scraper would be."""
    out = {}
    for line in LIMITS_ENV.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            out[key.strip()] = value.strip()
    return out


def cpu_s(pid: int, *, reaped_children: bool = False) -> float:
    """User + system CPU seconds of a process (0 when it is gone); with ``reaped_children`` also those of
    its children that ended and were waited for (a gunicorn worker replaced after max_requests)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    ticks = int(fields[11]) + int(fields[12]) + (int(fields[13]) + int(fields[14]) if reaped_children else 0)
    return ticks / os.sysconf("SC_CLK_TCK")


class Client:
    """One keep-alive HTTP/1.1 connection (http.client: little client-side cost); reconnects when closed."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn: http.client.HTTPConnection | None = None

    def reset(self) -> None:
        if self.conn is not None:
            self.conn.close()
        self.conn = None

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, http.client.HTTPMessage, bytes]:
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                response = self.conn.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.reset()  # the server closed a kept-alive connection: once more on a new one
                if attempt:
                    raise
                continue
            if response.getheader("Connection", "").lower() == "close" or response.version == 10:
                self.reset()
            return response.status, response.headers, data
        raise AssertionError("unreachable")

    def get(self, path: str) -> tuple[int, bytes]:
        status, _, body = self.request("GET", path)
        return status, body


class Gunicorn:
    """gunicorn with scripts/gunicorn.conf.py and one worker, serving `app` on a port of its own, on the
    benchmark's database. ``env`` adds settings (rates, threads); DEBUG is never passed on."""

    def __init__(self, app: str, *, name: str, taken: set[int] = frozenset(),
                 settings_module: str = "gis.settings", env: dict[str, str] | None = None) -> None:
        self.port = free_port(taken)
        self.name = name
        environ = {k: v for k, v in os.environ.items() if k != "DEBUG"}
        environ.update(DJANGO_SETTINGS_MODULE=settings_module, DATABASE_URL=database_url(),
                       BIND=f"127.0.0.1:{self.port}", WEB_CONCURRENCY="1",
                       WEB_ACCESS_LOG=str(ROOT / "var" / f"bench_{name}_access.log"), PYTHONPATH=str(ROOT))
        environ.update(env or {})
        # libpq names the worker's connections, so their PostgreSQL backends can be found (database_cpu_s).
        self.app_name = f"ecity-bench-{name}-{os.getpid()}"
        environ["PGAPPNAME"] = self.app_name
        self.log = open(ROOT / "var" / f"bench_{name}.log", "w")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen([str(Path(sys.executable).with_name("gunicorn")), "-c",
                                      "scripts/gunicorn.conf.py", app],
                                     cwd=ROOT, env=environ, stdout=self.log, stderr=subprocess.STDOUT)
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
        raise RuntimeError(f"gunicorn did not start: see var/bench_{self.name}.log")

    def worker_cpu_s(self) -> float:
        """User + system CPU seconds of the worker process (the master's one child), counting those the
        master replaced on the way (max_requests in scripts/gunicorn.conf.py) and the master's own (it only
        watches: little)."""
        pid = self.proc.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return cpu_s(pid, reaped_children=True) + sum(cpu_s(int(c)) for c in children)

    def database_cpu_s(self) -> float:
        """User + system CPU seconds of the PostgreSQL backends serving this server's connections."""
        from django.db import connection

        with connection.cursor() as cur:
            cur.execute("SELECT pid FROM pg_stat_activity WHERE application_name = %s", [self.app_name])
            pids = [r[0] for r in cur.fetchall()]
        return sum(cpu_s(pid) for pid in pids)

    def cpu_s(self) -> float:
        """The worker's and its database backends' CPU seconds: what a request costs the machine."""
        return self.worker_cpu_s() + self.database_cpu_s()

    def __enter__(self) -> Gunicorn:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        self.client.reset()
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()
