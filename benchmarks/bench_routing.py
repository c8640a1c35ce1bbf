"""Routing: online lookup vs a bare prepared PostGIS covers query, /api/v1/lookup, batch routing vs geopandas.sjoin.

On the demo city in the bench database. Figures printed:
- bare prepared `ST_Covers` on the subdivided parts (the floor), and layers.routing.route_point /
  route_building for every service kind (target: p99 ≤ 2× the floor);
- GET /api/v1/lookup by building id and by address text, in process (target: p95 ≤ 20 ms);
- 1,000,000 points against every service-area layer: layers.batch (grid) vs geopandas.sjoin (target ≥ 5×).
"""

from __future__ import annotations

import os
import time

import numpy as np

N_LOOKUPS = int(os.environ.get("BENCH_ROUTING_LOOKUPS", "3000"))
N_POINTS = int(os.environ.get("BENCH_ROUTING_POINTS", "1000000"))

BARE_COVERS_SQL = """
SELECT part.area_id FROM layers_serviceareapart part
WHERE ST_Covers(part.geom, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326))
"""


def main() -> None:
    from benchmarks.common import percentiles, report, setup_bench_database

    setup_bench_database()
    import psycopg
    from django.core.management import call_command
    from django.db import connection

    from layers import routing
    from layers.models import Building, ServiceArea, ServiceAreaPart

    call_command("load_demo_city", verbosity=0)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    buildings = list(Building.objects.order_by("id").only("id", "point"))
    rng = np.random.default_rng(1505)
    sample = [buildings[i] for i in rng.integers(0, len(buildings), N_LOOKUPS)]
    print(f"   demo city: {len(buildings)} buildings, {ServiceArea.objects.count()} service areas "
          f"({ServiceAreaPart.objects.count()} subdivided parts)", flush=True)

    # -- online lookup --------------------------------------------------------------------------------
    connection.ensure_connection()
    raw = connection.connection

    def bare(b):
        with psycopg.Cursor(raw) as cur:
            cur.execute(BARE_COVERS_SQL, {"lon": b.point.x, "lat": b.point.y}, prepare=True)
            cur.fetchall()

    def point(b):
        routing.route_point(lon=b.point.x, lat=b.point.y)

    def building(b):
        routing.route_building(building=b)

    # Interleaved, so that load from other processes on the machine falls on all three alike.
    runs = {"floor": bare, "point": point, "building": building}
    for b in sample[:200]:
        for fn in runs.values():
            fn(b)  # warm-up: plans prepared, caches hot
    times: dict[str, list[float]] = {name: [] for name in runs}
    for b in sample:
        for name, fn in runs.items():
            t = time.perf_counter()
            fn(b)
            times[name].append(time.perf_counter() - t)
    floor, point_s, building_s = (percentiles(times[name]) for name in runs)
    report("bare prepared ST_Covers (floor)", floor)
    report("route_point, all kinds", point_s)
    report("route_building, all kinds", building_s)
    print(f"   p99 / floor p99: route_point {point_s['p99'] / floor['p99']:.2f}, route_building "
          f"{building_s['p99'] / floor['p99']:.2f} (target ≤ 2); p50 / floor p50: route_point "
          f"{point_s['p50'] / floor['p50']:.2f}, route_building {building_s['p50'] / floor['p50']:.2f}", flush=True)

    # -- /api/v1/lookup -------------------------------------------------------------------------------
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    client = Client()
    ids = [b.pk for b in sample[:1000]]
    addresses = [b.address for b in Building.objects.filter(pk__in=ids, street__isnull=False).select_related("street")]
    for i in ids[:50]:
        client.get("/api/v1/lookup", {"building": i})
    client.get("/api/v1/lookup", {"q": addresses[0]})  # builds the gazetteer once
    by_id = []
    for i in ids:
        t = time.perf_counter()
        assert client.get("/api/v1/lookup", {"building": i}).status_code == 200
        by_id.append(time.perf_counter() - t)
    report("GET /api/v1/lookup?building=", percentiles(by_id))
    by_q, found = [], 0
    for a in addresses:
        t = time.perf_counter()
        found += client.get("/api/v1/lookup", {"q": a}).status_code == 200
        by_q.append(time.perf_counter() - t)
    report(f"GET /api/v1/lookup?q=address ({found}/{len(addresses)} found)", percentiles(by_q))

    # -- batch: grid router vs geopandas.sjoin ---------------------------------------------------------
    import geopandas as gpd
    import shapely

    from layers.batch import load_router

    areas = list(ServiceArea.objects.order_by("id").values_list("id", "provider_id", "geom"))
    west, south, east, north = shapely.total_bounds([shapely.from_wkb(bytes(g.wkb)) for _i, _p, g in areas])
    x = rng.uniform(west, east, N_POINTS)
    y = rng.uniform(south, north, N_POINTS)

    t = time.perf_counter()
    areas_gdf = gpd.GeoDataFrame({"area_id": [a[0] for a in areas], "provider_id": [a[1] for a in areas]},
                                 geometry=[shapely.from_wkb(bytes(a[2].wkb)) for a in areas], crs=4326)
    points_gdf = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs=4326)
    joined = gpd.sjoin(points_gdf, areas_gdf, how="left", predicate="intersects")
    sjoin_s = time.perf_counter() - t
    print(f"   geopandas.sjoin: {N_POINTS} points × {len(areas)} areas in {sjoin_s:.2f} s = "
          f"{N_POINTS / sjoin_s:,.0f} points/s ({len(joined)} joined rows, no per-kind decision)", flush=True)

    t = time.perf_counter()
    router = load_router(cell_m=50)
    build_s = time.perf_counter() - t
    t = time.perf_counter()
    result = router.route(x, y)
    columns = {kind: result.column(kind) for kind in result.kinds}
    route_s = time.perf_counter() - t
    undecided = float(router.cell_undecided[np.where(
        (x >= router.x0) & (y >= router.y0), (np.floor((y - router.y0) / router.dy) * router.nx
                                              + np.floor((x - router.x0) / router.dx)).astype(np.int64), 0)].mean())
    print(f"   layers.batch grid router: build {build_s:.2f} s ({router.nx}×{router.ny} cells), route + per-kind "
          f"columns {route_s:.2f} s = {N_POINTS / route_s:,.0f} points/s; with build "
          f"{N_POINTS / (route_s + build_s):,.0f} points/s; {undecided:.1%} points needed a polygon test", flush=True)
    print(f"   speed-up vs sjoin: {sjoin_s / route_s:.1f}× (routing only), {sjoin_s / (route_s + build_s):.1f}× "
          f"(including the grid build); target ≥ 5×", flush=True)
    # Sanity: the router agrees with sjoin on which points some area covers.
    covered_sjoin = np.zeros(N_POINTS, dtype=bool)
    covered_sjoin[joined.index[joined["area_id"].notna()].to_numpy()] = True
    covered_router = np.zeros(N_POINTS, dtype=bool)
    for _kind, (_p, outcome, _a, _r) in columns.items():
        covered_router |= outcome != 1
    print(f"   agreement with sjoin on covered/not covered: {(covered_sjoin == covered_router).mean():.6f}", flush=True)


if __name__ == "__main__":
    import sys

    from benchmarks.run import main as run

    sys.exit(run(["run", "routing"]))
