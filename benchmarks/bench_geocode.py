"""Geocoding: index build, single queries (incl. fuzzy), batch throughput, /api/v1/geocode and suggest, on the demo city."""

from __future__ import annotations

import time


def _clear_caches() -> None:
    from geocoding.normalize import _keys, parse_address

    parse_address.cache_clear()
    _keys.cache_clear()


def main() -> None:
    from benchmarks.common import percentiles, report, setup_bench_database

    setup_bench_database()
    from django.core.management import call_command

    call_command("load_demo_city", verbosity=0)

    from django.test import Client
    from django.test.utils import override_settings

    from geocoding import evaluation, gazetteer, services

    builds = []
    for _ in range(3):
        _clear_caches()
        gazetteer.invalidate()
        t = time.perf_counter()
        idx = gazetteer.get_index()
        builds.append(time.perf_counter() - t)
    print(f"   index: {idx.building_count} buildings, {len(idx.streets)} streets", flush=True)
    report("index build", {"min": min(builds) * 1000, "max": max(builds) * 1000})

    cases = evaluation.generate_cases() + evaluation.load_handwritten()
    queries = [c.query for c in cases]
    fuzzy = [c.query for c in cases if c.category == evaluation.TYPO]
    print(f"   queries: {len(queries)} ({len(fuzzy)} with a typo)", flush=True)

    samples, fuzzy_samples = [], []
    for _ in range(3):
        _clear_caches()
        for q in queries:
            t = time.perf_counter()
            services.geocode(query=q)
            samples.append(time.perf_counter() - t)
        _clear_caches()
        for q in fuzzy:
            t = time.perf_counter()
            services.geocode(query=q)
            fuzzy_samples.append(time.perf_counter() - t)
    report("single query, all forms (cold parse cache)", percentiles(samples))
    report("single query, one typo (fuzzy path)", percentiles(fuzzy_samples))
    cpu = []
    _clear_caches()
    for q in queries:
        c = time.process_time()
        services.geocode(query=q)
        cpu.append(time.process_time() - c)
    report("single query, CPU time (coarse clock)", percentiles(cpu))

    _clear_caches()
    batch = queries * 5
    t = time.perf_counter()
    for q in batch:
        services.geocode(query=q, limit=1)
    dt = time.perf_counter() - t
    print(f"   batch (one core, {len(batch)} addresses, each distinct query parsed once): "
          f"{len(batch) / dt:,.0f} addresses/s", flush=True)
    for _ in range(3):
        _clear_caches()
        t, c = time.perf_counter(), time.process_time()
        for q in queries:
            services.geocode(query=q, limit=1)
        dt, dc = time.perf_counter() - t, time.process_time() - c
        # CPU time is what one core spends; wall time also counts waiting for a core on a shared machine.
        print(f"   batch, every address new to the caches: {len(queries) / dc:,.0f} addresses/s of CPU time "
              f"({len(queries) / dt:,.0f}/s wall)", flush=True)

    with override_settings(ROOT_URLCONF="geocoding.urls"):
        client = Client()
        client.get("/api/v1/geocode", {"q": "Паркова 5"})
        api = []
        _clear_caches()
        for q in queries[:600]:
            t = time.perf_counter()
            r = client.get("/api/v1/geocode", {"q": q})
            api.append(time.perf_counter() - t)
            assert r.status_code == 200, (q, r.status_code)
        report("GET /api/v1/geocode (Django test client)", percentiles(api))

        prefixes = []
        for c in cases[:400]:
            if c.street:
                prefixes += [c.street[:3], c.street[:6], f"{c.street} 1"]
        sug, sug_api = [], []
        for p in prefixes:
            t = time.perf_counter()
            services.suggest(prefix=p)
            sug.append(time.perf_counter() - t)
        for p in prefixes[:300]:
            t = time.perf_counter()
            client.get("/api/v1/suggest", {"q": p})
            sug_api.append(time.perf_counter() - t)
        report("suggest, in process", percentiles(sug))
        report("GET /api/v1/suggest (Django test client)", percentiles(sug_api))

    from layers.models import Building

    points = list(Building.objects.order_by("id").values_list("point", flat=True)[:: max(1, idx.building_count // 300)])
    rev = []
    for p in points:
        t = time.perf_counter()
        services.reverse(lon=p.x + 0.0002, lat=p.y)
        rev.append(time.perf_counter() - t)
    report("reverse (PostGIS, inside or nearest within 50 m)", percentiles(rev))
