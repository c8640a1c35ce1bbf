"""Import speed: 202,500 synthetic building footprints from GeoJSON into PostGIS (--commit), then again (no changes).

Prints buildings/s for the first import (all created), the re-import (all unchanged) and peak RSS of
this process. The GeoJSON is generated (squares on a grid around Kramatorsk, deterministic) into a
temporary folder; the benchmark database is benchmarks.common.setup_bench_database()'s own.
"""

from __future__ import annotations

import json
import os
import resource
import tempfile
import time
from pathlib import Path

SIDE = 450  # SIDE² buildings
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


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def main() -> None:
    from benchmarks.common import setup_bench_database

    setup_bench_database()
    from importers.vector import import_vector
    from layers.models import Building, Street

    Building.objects.filter(source="bench").delete()
    for name in STREETS:
        Street.objects.get_or_create(name=name, street_type="вулиця", neighbourhood=None)

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "buildings.geojson"
        t = time.perf_counter()
        n = write_geojson(path)
        print(f"   generated {n} footprints ({path.stat().st_size / 1e6:.0f} MB GeoJSON) in "
              f"{time.perf_counter() - t:.1f} s; RSS so far {peak_rss_mb():.0f} MB", flush=True)

        for label in ("first import (all created)", "re-import (all unchanged)"):
            t = time.perf_counter()
            report = import_vector(path, layer="buildings", source="bench", commit=True)
            dt = time.perf_counter() - t
            c = report.counts["building"]
            print(f"   {label}: {n} buildings in {dt:.1f} s = {n / dt:,.0f} buildings/s "
                  f"(created {c.created}, updated {c.updated}, unchanged {c.unchanged}, "
                  f"rejected {len(report.rejected)}); peak RSS {peak_rss_mb():.0f} MB", flush=True)
        os.environ.get("ECITY_BENCH_KEEP") or Building.objects.filter(source="bench").delete()
