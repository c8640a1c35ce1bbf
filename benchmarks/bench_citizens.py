"""Residents' pages at ECITY_BENCH_APPEALS appeals (default 1M): the filing POST (photos aside) and /track/ p95.

In the staff-pages benchmark's database (<bench>_pages, prepared once by bench_appeal_pages._prepare), through
Django's test client in this process (the whole stack: middleware, form, file_online, routing, the outbox row;
no HTTP server). Every POST files a real online appeal (they stay in the benchmark database).
Targets (issue 12): filing p95 ≤ 150 ms, tracking p95 ≤ 50 ms.

    .venv/bin/python benchmarks/run.py citizens
    ECITY_BENCH_APPEALS=20000 ECITY_BENCH_REPEAT=30 .venv/bin/python benchmarks/run.py citizens   # quick
"""

from __future__ import annotations

import os
import secrets

from benchmarks.common import percentiles, report, setup_bench_database, time_each

REPEAT = int(os.environ.get("ECITY_BENCH_REPEAT", "200"))


def main() -> None:
    # ECITY_BENCH_DB=bench: the shared 1M database (ecity_bench, e.g. restored from a dump) instead of its own.
    setup_bench_database(os.environ.get("ECITY_BENCH_DB", "bench_pages"))
    from benchmarks.bench_appeal_pages import _prepare

    count = _prepare()
    from django.conf import settings
    from django.test import Client

    from layers.models import Building, Category

    settings.CITIZENS_MAX_FILINGS_PER_IP_HOUR = 10**9
    settings.CITIZENS_MAX_FILINGS_PER_PHONE_HOUR = 10**9
    settings.ALLOWED_HOSTS = ["*"]
    # In-process, without collectstatic: plain static URLs (the hashed manifest is the web server's business).
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    category = Category.objects.filter(is_public=True, is_consultation=False, online_review_required=False).first()
    buildings = list(Building.objects.filter(source="demo").order_by("id").values_list("id", flat=True)[:5000:25])
    client = Client()
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

    print(f"   {count} appeals; {REPEAT} filings and {REPEAT} tracking views each way", flush=True)
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
