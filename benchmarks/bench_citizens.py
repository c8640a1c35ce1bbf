"""Residents' pages at ECITY_BENCH_APPEALS appeals (default 1M): the filing POST (photos aside) and /track/ p95.

In the staff-pages benchmark's database (<bench>_pages, prepared once by bench_appeal_pages._prepare), twice:
1. over HTTP, as a resident's browser asks: the production server (gunicorn with scripts/gunicorn.conf.py,
   ONE worker, DEBUG off, every middleware, CSRF on: the client GETs /report/ for its cookie and form token,
   then POSTs), each request followed by one to the bare JsonResponse peer (benchmarks/bare_wsgi.py) so both
   are measured under the same load; the CPU per request of the worker and its PostgreSQL backends beside;
2. through Django's test client in this process (the same stack without the server), for the record.
Every POST files a real online appeal (they stay in the benchmark database). The per-address and per-phone
filing limits are lifted through their settings (benchmarks/load/limits.env), as for the load test.
Targets (issue 12): filing p95 ≤ 150 ms, tracking p95 ≤ 50 ms.

    .venv/bin/python benchmarks/run.py citizens
    ECITY_BENCH_APPEALS=20000 ECITY_BENCH_REPEAT=30 .venv/bin/python benchmarks/run.py citizens   # quick
"""

from __future__ import annotations

import os
import re
import secrets
import time
import urllib.parse

from benchmarks.common import percentiles, report, setup_bench_database, time_each
from benchmarks.servers import Gunicorn, lifted_limits

REPEAT = int(os.environ.get("ECITY_BENCH_REPEAT", "200"))


def main() -> None:
    # ECITY_BENCH_DB=bench: the shared 1M database (ecity_bench, e.g. restored from a dump) instead of its own.
    setup_bench_database(os.environ.get("ECITY_BENCH_DB", "bench_pages"))
    from benchmarks.bench_appeal_pages import _prepare

    count = _prepare()
    from django.conf import settings
    from django.test import Client as DjangoClient

    from layers.models import Building, Category

    settings.CITIZENS_MAX_FILINGS_PER_IP_HOUR = 10**9
    settings.CITIZENS_MAX_FILINGS_PER_PHONE_HOUR = 10**9
    settings.ALLOWED_HOSTS = ["*"]
    # In-process, without collectstatic: plain static URLs (the hashed manifest is the web server's business).
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    category = Category.objects.filter(is_public=True, is_consultation=False, online_review_required=False).first()
    buildings = list(Building.objects.filter(source="demo").order_by("id").values_list("id", flat=True)[:5000:25])
    load = os.getloadavg()
    print(f"   {count} appeals; load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}", flush=True)
    _over_http(category.pk, buildings)
    client = DjangoClient()
    state = {"i": 0, "filed": []}

    def file_one():
        state["i"] += 1
        response = client.post("/report/", {
            "category": category.pk, "building": buildings[state["i"] % len(buildings)],
            "description": "Бенчмарк: тече дах", "name": "Бенч Марк", "phone": f"050{state['i'] % 10_000_000:07d}",
            "consent": "on", "notify": "on", "idempotency_key": secrets.token_urlsafe(16)})
        assert response.status_code == 200, response.content[:500]
        html = response.content.decode()
        number = html.split('id="appeal-number">', 1)[1].split("<", 1)[0]
        code = html.split('id="tracking-code" class="code">', 1)[1].split("<", 1)[0]
        state["filed"].append((number, code))

    print(f"   in process (Django's test client, no server): {REPEAT} filings and {REPEAT} tracking views each way",
          flush=True)
    time_each(file_one, repeat=min(5, REPEAT))  # warm-up: the geocoder index, templates, connections
    _report("filing POST /report/", file_one)
    pairs = state["filed"]
    j = {"k": 0}

    def track(with_code: bool):
        def run():
            j["k"] += 1
            number, code = pairs[j["k"] % len(pairs)]
            response = client.get("/track/", {"number": number, **({"code": code} if with_code else {})})
            assert response.status_code == 200
        return run

    _report("tracking /track/ with the code", track(True))
    _report("tracking /track/ number alone", track(False))


def _report(label: str, fn) -> None:
    """Wall-time percentiles, with this process's CPU per request (Django, not PostgreSQL: what a loaded
    machine inflates least) and the SQL statements one request sends."""
    import time

    from django.db import connection

    sent = []  # counted by a wrapper: the query log is reset at every request's start

    def count(execute, sql, params, many, context):
        sent.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        fn()
    cpu = time.process_time()
    samples = time_each(fn, repeat=REPEAT)
    cpu = (time.process_time() - cpu) / REPEAT * 1000
    report(f"{label} ({len(sent)} SQL statements)", {**percentiles(samples), "CPU/request": cpu})


def _form(category: int, building: int, i: int, csrf: str) -> dict:
    return {"csrfmiddlewaretoken": csrf, "category": category, "building": building,
            "description": "Бенчмарк: тече дах", "name": "Бенч Марк", "phone": f"050{i % 10_000_000:07d}",
            "consent": "on", "notify": "on", "idempotency_key": secrets.token_urlsafe(16)}


def _over_http(category: int, buildings: list[int]) -> None:
    """Filing and tracking through one gunicorn worker, beside the bare peer, one keep-alive client each."""
    env = lifted_limits()
    web = Gunicorn("gis.wsgi:application", name="citizens", env=env)
    bare = Gunicorn("benchmarks.bare_wsgi:application", name="citizens_bare", taken={web.port}, env=env)
    try:
        web.wait("/healthz")
        bare.wait("/")
        status, headers, page = web.client.request("GET", "/report/")
        assert status == 200, status
        cookie = re.search(r"csrftoken=([^;]+)", headers.get("Set-Cookie", "")).group(1)
        csrf = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
        send = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={cookie}",
                "Origin": f"http://127.0.0.1:{web.port}"}
        filed: list[tuple[str, str]] = []

        def file_one(i: int) -> None:
            body = urllib.parse.urlencode(_form(category, buildings[i % len(buildings)], i, csrf)).encode()
            status, _, html = web.client.request("POST", "/report/", body=body, headers=send)
            assert status == 200, (status, html[:500])
            number = re.search(rb'id="appeal-number">([^<]+)<', html).group(1).decode()
            code = re.search(rb'id="tracking-code" class="code">([^<]+)<', html).group(1).decode()
            filed.append((number, code))

        def track(i: int, with_code: bool) -> None:
            number, code = filed[i % len(filed)]
            query = {"number": number, **({"code": code} if with_code else {})}
            status, _, html = web.client.request("GET", "/track/?" + urllib.parse.urlencode(query))
            assert status == 200 and number.encode() in html, status

        for i in range(5):  # warm-up: the worker's geocoder index, templates, prepared statements
            file_one(10**6 + i)
            bare.client.get("/")
        print("   over HTTP: gunicorn, 1 worker (scripts/gunicorn.conf.py), CSRF on; each request beside the "
              "bare JsonResponse peer", flush=True)
        for label, run in [("filing POST /report/", file_one),
                           ("tracking /track/ with the code", lambda i: track(i, True)),
                           ("tracking /track/ number alone", lambda i: track(i, False))]:
            ours, peer = [], []
            cpu0, bare0 = web.cpu_s(), bare.worker_cpu_s()
            for i in range(REPEAT):
                t = time.perf_counter()
                run(i)
                ours.append(time.perf_counter() - t)
                t = time.perf_counter()
                bare.client.get("/")
                peer.append(time.perf_counter() - t)
            cpu = (web.cpu_s() - cpu0) / REPEAT * 1000
            bare_cpu = (bare.worker_cpu_s() - bare0) / REPEAT * 1000
            stats = percentiles(ours)
            report(f"HTTP {label}", {**stats, "CPU/request (worker + PostgreSQL)": cpu})
            report("   bare JsonResponse peer, same run", {**percentiles(peer), "worker CPU/request": bare_cpu})
    finally:
        web.stop()
        bare.stop()
