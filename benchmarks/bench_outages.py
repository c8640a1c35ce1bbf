"""Outages: affected buildings of a 2 km² area, the outage check at intake with 100 active outages, live detection.

In the shared bench database (benchmarks.common.setup_bench_database()) with the demo city and the generated
appeals of bench_appeals (ECITY_BENCH_APPEALS, default 1,000,000; an existing set is reused). Everything this
benchmark writes (outages, suspected outages, links) is rolled back at the end.

Targets (issue 11): affected buildings of a 2 km² area ≤ 200 ms; the outage check adds ≤ 10 ms p95 to intake
with 100 active outages; detection on each new appeal ≤ 20 ms p95.

    .venv/bin/python benchmarks/run.py bench_outages
"""

from __future__ import annotations

import json
import os
import random
import time

from benchmarks.common import percentiles, report, setup_bench_database

REPEAT = int(os.environ.get("ECITY_BENCH_REPEAT", "200"))
WARM_UP = 5


def _square(lon: float, lat: float, *, side_m: float) -> dict:
    """A square of side_m metres centred on lon, lat (built in EPSG:32637, so its area is true), as GeoJSON."""
    from django.contrib.gis.geos import Point, Polygon

    from gis.srid import METRIC_SRID, STORAGE_SRID

    p = Point(lon, lat, srid=STORAGE_SRID)
    p.transform(METRIC_SRID)
    h = side_m / 2
    poly = Polygon(((p.x - h, p.y - h), (p.x + h, p.y - h), (p.x + h, p.y + h), (p.x - h, p.y + h), (p.x - h, p.y - h)),
                   srid=METRIC_SRID)
    poly.transform(STORAGE_SRID)
    return json.loads(poly.json)


def bench_affected(points: list[tuple[float, float]]) -> None:
    from django.db import transaction

    from layers.models import Provider
    from outages import services

    water = Provider.objects.filter(kind="water_utility").first()
    samples, plain, counts = [], [], []
    side = 2_000_000 ** 0.5  # 2 km²
    rng = random.Random(11)
    for i in range(20 + WARM_UP):
        lon, lat = rng.choice(points)
        with transaction.atomic():
            t = time.perf_counter()
            outage = services.declare_outage(service_kinds=["water"], provider=water,
                                             area_geojson=_square(lon, lat, side_m=side)).outage
            dt = time.perf_counter() - t
            t = time.perf_counter()
            services.recompute_affected(outage=outage)
            dt2 = time.perf_counter() - t
            if i >= WARM_UP:
                samples.append(dt)
                plain.append(dt2)
                counts.append(outage.affected_buildings)
            transaction.set_rollback(True)
    report(f"declare a 2 km² water outage (checks, insert, affected buildings by the routing rules), n={len(samples)}, "
           f"{min(counts)}–{max(counts)} buildings affected; target ≤ 200", percentiles(samples))
    report("recompute_affected alone (the PostGIS statement and the sums)", percentiles(plain))


def bench_intake_check(buildings, points) -> None:
    """The outage check the dispatcher's building panel does, with 100 active outages in the city."""
    from django.db import connection, transaction
    from django.utils import timezone

    from appeals import page_helpers
    from outages import selectors, services

    rng = random.Random(5)
    with transaction.atomic():
        start = timezone.now() - timezone.timedelta(hours=1)
        for _ in range(100):
            lon, lat = rng.choice(points)
            services.declare_outage(service_kinds=[rng.choice(["water", "power", "heating", "hot_water"])],
                                    area_geojson=_square(lon, lat, side_m=rng.uniform(150, 600)), started_at=start)
        with connection.cursor() as cur:  # the statistics autovacuum would have gathered by now
            cur.execute("ANALYZE outages_outage")
            cur.execute("ANALYZE outages_outagebuilding")
        covered = 0
        check = []
        for i in range(REPEAT + WARM_UP):
            b = rng.choice(buildings)
            t = time.perf_counter()
            found = [page_helpers.outage_brief(o) for o in selectors.active_outages_brief_at(building_id=b.pk)]
            dt = time.perf_counter() - t
            if i >= WARM_UP:
                check.append(dt)
                covered += bool(found)
        report(f"outage check at intake (active outages at the building + the notice), 100 active outages, "
               f"n={len(check)} buildings ({covered} inside an outage); target p95 ≤ 10", percentiles(check))
        transaction.set_rollback(True)


def bench_detection(count: int) -> None:
    from django.conf import settings
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from appeals import outage_services
    from appeals.models import Appeal

    watched = list(settings.OUTAGE_DETECTION)
    # The same sample in every run (a hash order, not random()), so runs before and after a change compare.
    with connection.cursor() as cur:
        cur.execute("SELECT a.id FROM appeals_appeal a JOIN layers_category c ON c.id = a.category_id "
                    "WHERE c.code = ANY(%s) ORDER BY md5(a.id::text) LIMIT %s", [watched, REPEAT + WARM_UP])
        ids = [r[0] for r in cur.fetchall()]
    # The category's kinds read with it, as intake does (appeals.services._create prefetches them for routing).
    appeals = {a.pk: a for a in Appeal.objects.filter(pk__in=ids).select_related("category")
               .prefetch_related("category__service_kinds")}
    samples, quiet, created, joined = [], [], [], []
    statements = {"created": 0, "joined": 0, "quiet": 0}
    cpu = 0.0
    with transaction.atomic():
        for i, pk in enumerate(ids):
            a = appeals[pk]
            with CaptureQueriesContext(connection) as queries:
                c = time.process_time()
                t = time.perf_counter()
                found = outage_services.detect_outage(appeal=a, now=a.created_at)
                dt = time.perf_counter() - t
                c = time.process_time() - c
            if i >= WARM_UP:
                samples.append(dt)
                cpu += c
                kind = "quiet" if found is None else "created" if found.created else "joined"
                {"quiet": quiet, "created": created, "joined": joined}[kind].append(dt)
                statements[kind] = max(statements[kind], len(queries.captured_queries))
        transaction.set_rollback(True)
    report(f"live detection per new appeal (recent appeals of its category + the rule, and the suspected outage "
           f"when it fires), {count} appeals in the database, n={len(samples)} "
           f"({len(created) + len(joined)} found a cluster); target p95 ≤ 20",
           {**percentiles(samples), "CPU/appeal": cpu / max(len(samples), 1) * 1000})
    for label, xs, kind in [("made a new suspected outage", created, "created"),
                            ("joined or grew an open one", joined, "joined"), ("found no cluster", quiet, "quiet")]:
        if xs:
            report(f"   of which the {len(xs)} that {label} (≤ {statements[kind]} SQL statements)", percentiles(xs))


def main() -> None:
    setup_bench_database()
    from benchmarks.bench_appeals import _prepare
    from layers.models import Building

    count = _prepare()
    print(f"   appeals in the database: {count}", flush=True)
    buildings = list(Building.objects.filter(source="demo").only("id", "point").order_by("id")[::7])
    points = [(b.point.x, b.point.y) for b in buildings]
    bench_affected(points)
    bench_intake_check(buildings, points)
    bench_detection(count)


if __name__ == "__main__":
    main()
