"""Import speed: 202,500 synthetic building footprints from GeoJSON into PostGIS (--commit), again (no changes), then OSM.

Prints buildings/s for the first import (all created, into an empty layers_building: its GiST indexes are
built at the end), the re-import (all unchanged), the same file under a second source into the table
that now holds 202,500 buildings (indexes kept up to date row by row), and peak RSS of this process. The GeoJSON is generated (squares on a grid around Kramatorsk, deterministic) into a
temporary folder; the database is <name>_import_bench, set up by benchmarks.common.setup_bench_database().
"""

from __future__ import annotations

import json
import os
import resource
import tempfile
import time
from pathlib import Path

SIDE = int(os.environ.get("BENCH_IMPORT_SIDE", "450"))  # SIDE² buildings
STEP = 0.0004  # degrees between grid cells (~30 m north-south, ~30 m east-west at 48.7°N)
HALF = 0.00012  # half side of a footprint, degrees
WEST, SOUTH = 37.47, 48.66  # the grid lies inside the hromada boundary, around the city centre
STREETS = [f"Еталонна {i}" for i in range(1, 9)]  # names of their own: the demo city in the bench DB has none such


def write_geojson(path: Path, side: int = SIDE) -> int:
    """A FeatureCollection of side² squares with id, street and house number; written as a stream."""
    n = 0
    with path.open("w", encoding="utf-8") as fh:
        fh.write('{"type": "FeatureCollection", "features": [\n')
        for row in range(side):
            for col in range(side):
                x, y = WEST + col * STEP, SOUTH + row * STEP
                ring = [[x - HALF, y - HALF], [x + HALF, y - HALF], [x + HALF, y + HALF], [x - HALF, y + HALF],
                        [x - HALF, y - HALF]]
                number = col % 150 + 1
                hn = f"{number}А" if col % 7 == 0 else (f"{number}/1" if col % 11 == 0 else str(number))
                props = {"id": f"g{row}-{col}", "street": f"вулиця {STREETS[row % len(STREETS)]}",
                         "housenumber": hn, "floors": 1 + (row + col) % 9}
                feature = {"type": "Feature", "properties": props,
                           "geometry": {"type": "Polygon", "coordinates": [ring]}}
                fh.write(("," if n else "") + json.dumps(feature, ensure_ascii=False) + "\n")
                n += 1
        fh.write("]}\n")
    return n


def write_osm(path: Path, side: int) -> int:
    """The same grid as an OSM file (4 nodes and one closed way per building, with addr:* tags)."""
    import osmium

    with osmium.SimpleWriter(str(path)) as writer:
        for row in range(side):
            for col in range(side):
                x, y = WEST + col * STEP, SOUTH + row * STEP
                base = (row * side + col) * 4 + 1
                for k, (lon, lat) in enumerate(((x - HALF, y - HALF), (x + HALF, y - HALF), (x + HALF, y + HALF),
                                                (x - HALF, y + HALF))):
                    writer.add_node(osmium.osm.mutable.Node(id=base + k, location=(lon, lat)))
        for row in range(side):
            for col in range(side):
                base = (row * side + col) * 4 + 1
                tags = {"building": "yes", "addr:street": f"вулиця {STREETS[row % len(STREETS)]}",
                        "addr:housenumber": str(col % 150 + 1)}
                writer.add_way(osmium.osm.mutable.Way(id=row * side + col + 1, nodes=[base, base + 1, base + 2,
                                                                                       base + 3, base], tags=tags))
    return side * side


def backend_cpu_s() -> float:
    """CPU seconds used so far by this connection's PostgreSQL backend (same machine: /proc)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")  # a remote database: not measurable from here
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def use_own_database() -> None:
    """Point Django at <name>_import_bench (created if missing); setup_bench_database() then only migrates it.

    The shared <name>_bench is migrated and loaded by other benchmarks at the same time: their locks and
    their rows would be measured with ours, and our 200k buildings would change their figures.
    """
    import django
    from django.conf import settings

    if not settings.configured or not django.apps.apps.ready:
        django.setup()
    from django.db import connection, connections

    base = settings.DATABASES["default"]["NAME"]
    if base.endswith("_bench"):
        return
    own = f"{base}_import_bench"
    with connection.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [own])
        if cur.fetchone() is None:
            cur.execute(f'CREATE DATABASE "{own}"')  # name from settings, not user input
    connections.close_all()
    settings.DATABASES["default"]["NAME"] = own
    connections["default"].settings_dict["NAME"] = own


def remove_bench_buildings() -> None:
    """Delete this benchmark's buildings in one statement (the ORM would collect 200k rows first)."""
    from django.db import IntegrityError, connection, transaction

    from layers.models import Building

    try:
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("DELETE FROM layers_building WHERE source IN ('bench', 'bench2')")
    except IntegrityError:  # something now points at them (another benchmark's appeals): the ORM cascades
        Building.objects.filter(source__in=["bench", "bench2"]).delete()


def _import_osm_process(osm: Path, boundary: Path) -> tuple[int, float]:
    """`manage.py import_osm FILE --commit` as its own process; (buildings created, wall seconds)."""
    import re
    import subprocess
    import sys

    from layers.models import Building

    root = Path(__file__).resolve().parent.parent
    from benchmarks.servers import database_url

    env = {**os.environ, "DATABASE_URL": database_url()}
    before = Building.objects.filter(source="bench").count()
    t = time.perf_counter()
    out = subprocess.run([sys.executable, str(root / "manage.py"), "import_osm", str(osm), "--boundary", str(boundary),
                          "--source", "bench", "--commit", "--no-progress"], cwd=root, env=env,
                         capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f"import_osm failed: {out.stderr[-2000:]}")
    out = out.stdout
    dt = time.perf_counter() - t
    created = Building.objects.filter(source="bench").count() - before
    if not re.search(r"building", out):
        print("   (import_osm printed no building counts)", flush=True)
    return created, dt


def _ogr2ogr_osm(osm: Path) -> float | None:
    """GDAL's ogr2ogr reading the same .osm.pbf's closed ways (its `multipolygons` layer) into PostGIS."""
    import shutil
    import subprocess

    from django.conf import settings
    from django.db import connection

    if shutil.which("ogr2ogr") is None:
        return None
    d = settings.DATABASES["default"]
    host = d.get("HOST") or d.get("OPTIONS", {}).get("host") or "localhost"
    pg = f"PG:dbname={d['NAME']} host={host} user={d.get('USER') or 'postgres'}"
    if d.get("PORT"):
        pg += f" port={d['PORT']}"
    t = time.perf_counter()
    subprocess.run(["ogr2ogr", "-f", "PostgreSQL", pg, str(osm), "multipolygons", "-nln", "bench_ogr_osm",
                    "-overwrite", "-lco", "SPATIAL_INDEX=GIST", "--config", "PG_USE_COPY", "YES"],
                   check=True, capture_output=True)
    dt = time.perf_counter() - t
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_ogr_osm")
    return dt


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def main() -> None:
    from benchmarks.common import setup_bench_database

    t = time.perf_counter()
    use_own_database()
    setup_bench_database()
    from importers.vector import import_vector
    from layers.models import Street

    remove_bench_buildings()
    print(f"   bench database ready in {time.perf_counter() - t:.1f} s", flush=True)
    for name in STREETS:
        Street.objects.get_or_create(name=name, street_type="вулиця", neighbourhood=None)

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "buildings.geojson"
        t = time.perf_counter()
        n = write_geojson(path, SIDE)
        print(f"   generated {n} footprints ({path.stat().st_size / 1e6:.0f} MB GeoJSON) in "
              f"{time.perf_counter() - t:.1f} s; RSS so far {peak_rss_mb():.0f} MB", flush=True)

        for label, source in (("first import into the empty table (all created)", "bench"),
                              ("re-import (all unchanged)", "bench"),
                              ("second source into the filled table (all created)", "bench2")):
            cpu0, db0, t = time.process_time(), backend_cpu_s(), time.perf_counter()
            report = import_vector(path, layer="buildings", source=source, commit=True)
            dt, cpu, db = time.perf_counter() - t, time.process_time() - cpu0, backend_cpu_s() - db0
            c = report.counts["building"]
            print(f"   {label}: {n} buildings in {dt:.1f} s = {n / dt:,.0f} buildings/s wall "
                  f"(created {c.created}, updated {c.updated}, unchanged {c.unchanged}, "
                  f"rejected {len(report.rejected)}); peak RSS {peak_rss_mb():.0f} MB", flush=True)
            # On a shared machine wall time depends on the load; CPU time of both sides does not.
            print(f"      CPU: importer {cpu:.1f} s + PostgreSQL backend {db:.1f} s = {n / (cpu + db):,.0f} "
                  f"buildings per CPU-second; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs",
                  flush=True)
        osm_side = int(os.environ.get("BENCH_OSM_SIDE", "300"))
        osm = Path(tmp) / "buildings.osm.pbf"
        n_osm = write_osm(osm, osm_side)
        boundary = Path(__file__).resolve().parent.parent / "data" / "kramatorsk" / "hromada_boundary.geojson"
        # A city's first load, as its IT runs it: the whole `manage.py import_osm --commit` process into the
        # empty building and address layers, beside GDAL's ogr2ogr copying the same file's buildings into
        # PostGIS (no clipping, no streets, no addresses: the floor of what reading the file costs).
        remove_bench_buildings()
        n_created, dt = _import_osm_process(osm, boundary)
        peer = _ogr2ogr_osm(osm)
        print(f"   OSM .osm.pbf first load ({n_osm} closed ways, {osm.stat().st_size / 1e6:.0f} MB), clipped to the "
              f"hromada, whole process `manage.py import_osm --commit`: {n_created} buildings in {dt:.1f} s = "
              f"{n_created / dt:,.0f} buildings/s; peer ogr2ogr (GDAL OSM driver → PostGIS, buildings only): "
              + (f"{peer:.1f} s = {n_osm / peer:,.0f} buildings/s" if peer else "not available")
              + f"; load average {os.getloadavg()[0]:.1f}", flush=True)
    if not os.environ.get("ECITY_BENCH_KEEP"):
        remove_bench_buildings()  # other benchmarks share this database: leave it as found
