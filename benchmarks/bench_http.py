"""HTTP: /api/v1/reverse and /api/v1/lookup?building= through gunicorn with ONE worker, beside the same views in process.

The production server as scripts/serve.sh runs it (scripts/gunicorn.conf.py, DEBUG off, persistent database
connections) on the benchmark database with the demo city; one client on one keep-alive connection asks
one request after another (target: p95 ≤ 10 ms over HTTP). Rate limits are lifted for the run.

Why HTTP used to take ~30 ms (about 33 requests/s): `manage.py runserver` starts a thread per request and
Django's connections are per thread, so every request opened a new PostgreSQL connection (several ms with
authentication and PostGIS type lookups), and DEBUG kept every query's SQL. The line "new connection per
request" below shows that cost on gunicorn (CONN_MAX_AGE=0).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
N = int(os.environ.get("BENCH_HTTP_REQUESTS", "1000"))
LIFTED = {"API_RATE_GEOCODING": "100000000/min", "API_RATE_PUBLIC": "100000000/min", "API_RATE_LOOKUP": "100000000/min"}


def _free_port() -> int:
    for port in range(8150, 8200):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 8150-8199")


def _database_url() -> str:
    from urllib.parse import quote

    from django.db import connection

    s = connection.settings_dict
    host = s.get("HOST") or (s.get("OPTIONS") or {}).get("host", "")
    user = quote(s.get("USER") or "")
    password = f":{quote(s['PASSWORD'])}" if s.get("PASSWORD") else ""
    if not host or host.startswith("/"):
        return f"postgres://{user}{password}@/{s['NAME']}?host={quote(host)}"
    return f"postgres://{user}{password}@{host}:{s.get('PORT') or 5432}/{s['NAME']}"


class Gunicorn:
    def __init__(self, *, conn_max_age: str) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if k != "DEBUG"}
        env.update(LIFTED, DJANGO_SETTINGS_MODULE="gis.settings", DATABASE_URL=_database_url(),
                   BIND=f"127.0.0.1:{self.port}", WEB_CONCURRENCY="1", CONN_MAX_AGE=conn_max_age,
                   WEB_ACCESS_LOG=str(ROOT / "var" / "bench_http_access.log"))
        self.log = open(ROOT / "var" / "bench_http_gunicorn.log", "w")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen([str(Path(sys.executable).with_name("gunicorn")), "-c",
                                      "scripts/gunicorn.conf.py", "gis.wsgi:application"],
                                     cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def wait(self, session) -> None:
        import requests

        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                session.get(self.url + "/healthz", timeout=30)
                return
            except (requests.ConnectionError, requests.Timeout):
                if self.proc.poll() is not None:
                    break
                time.sleep(0.3)
        raise RuntimeError("gunicorn did not start: see var/bench_http_gunicorn.log")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def _http(session, url: str, paths: list[str]) -> list[float]:
    for p in paths[:50]:  # warm-up: the worker's caches and connection
        session.get(url + p, timeout=30)
    out = []
    for p in paths:
        t = time.perf_counter()
        r = session.get(url + p, timeout=30)
        out.append(time.perf_counter() - t)
        assert r.status_code == 200, (p, r.status_code, r.text[:200])
    return out


def _in_process(paths: list[str]) -> list[float]:
    from django.test import Client
    from django.test.utils import override_settings

    rates = {"geocoding": "100000000/min", "public": "100000000/min", "lookup": "100000000/min"}
    from django.conf import settings

    client = Client()
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


def main() -> None:
    from benchmarks.common import percentiles, report, setup_bench_database

    setup_bench_database()
    import requests
    from django.core.management import call_command

    from layers.models import Building

    call_command("load_demo_city", verbosity=0)
    buildings = list(Building.objects.order_by("id").values_list("id", "point"))
    rng = np.random.default_rng(1505)
    picks = [buildings[i] for i in rng.integers(0, len(buildings), N)]
    reverse = [f"/api/v1/reverse?lon={pt.x + 0.00005:.7f}&lat={pt.y:.7f}" for _, pt in picks]
    lookup = [f"/api/v1/lookup?building={pk}" for pk, _ in picks]
    print(f"   {len(buildings)} buildings, {N} requests per line, one client, one keep-alive connection",
          flush=True)

    figures = {}
    for label, paths in (("reverse", reverse), ("lookup?building=", lookup)):
        figures[label] = percentiles(_in_process(paths))
    for conn_max_age, note in (("600", "persistent connections (the settings)"),
                               ("0", "new connection per request (what runserver did)")):
        server = Gunicorn(conn_max_age=conn_max_age)
        try:
            with requests.Session() as session:
                server.wait(session)
                for label, paths in (("reverse", reverse), ("lookup?building=", lookup)):
                    samples = _http(session, server.url, paths if conn_max_age == "600" else paths[: N // 4])
                    stats = percentiles(samples)
                    rps = len(samples) / sum(samples)
                    report(f"GET /api/v1/{label} over HTTP, gunicorn 1 worker, {note}", stats)
                    print(f"      {rps:.0f} requests/s", flush=True)
                    if conn_max_age == "600":
                        report(f"GET /api/v1/{label} in process (Django test client)", figures[label])
        finally:
            server.stop()
