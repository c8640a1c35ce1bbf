"""route_points as a user runs it: the command vs a plain geopandas script, file to file, as whole processes.

On the demo city's service areas in the bench database. N random points (BENCH_ROUTE_POINTS, default
1,000,000) in the areas' extent are written to CSV and Parquet (not timed); the areas are written to a
GeoPackage for the script (not timed). Then, in one run, each pair is timed as a whole process (interpreter
start, imports, reading, joining, writing): `manage.py route_points IN OUT` and a plain geopandas script
(read_file / read_parquet, sjoin, to_csv / to_parquet), CSV → CSV and Parquet → Parquet. Target ≥ 5×.
The command decides a provider per service kind (gaps, overlaps, building assignments, the nearest area of a
gap); the script only joins: the comparison flatters the script.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

N_POINTS = int(os.environ.get("BENCH_ROUTE_POINTS", "1000000"))
ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
import sys
import geopandas as gpd
src, areas_path, dst = sys.argv[1:4]
if src.endswith(".csv"):
    points = gpd.read_file(src, X_POSSIBLE_NAMES="lon", Y_POSSIBLE_NAMES="lat").set_crs(4326, allow_override=True)
else:
    import pandas as pd
    frame = pd.read_parquet(src)
    points = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame.lon, frame.lat), crs=4326)
areas = gpd.read_file(areas_path)
joined = gpd.sjoin(points, areas, how="left", predicate="intersects").drop(columns="geometry")
if dst.endswith(".csv"):
    joined.to_csv(dst, index=False)
else:
    joined.to_parquet(dst)
"""


def _timed(args: list[str], env: dict) -> tuple[float, float]:
    """Wall-clock seconds of the whole process, and its CPU seconds (user + system: on a shared machine the
    wall clock mostly measures the other jobs)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(args, check=True, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, timeout=3600)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    from benchmarks.common import setup_bench_database

    name = setup_bench_database()
    import geopandas as gpd
    import pandas as pd
    import shapely
    from django.core.management import call_command

    from layers.models import ServiceArea

    if not ServiceArea.objects.exists():
        call_command("load_demo_city", verbosity=0)
    areas = list(ServiceArea.objects.order_by("id").values_list("id", "provider_id", "geom"))
    gdf = gpd.GeoDataFrame({"area_id": [a[0] for a in areas], "provider_id": [a[1] for a in areas]},
                           geometry=[shapely.from_wkb(bytes(a[2].wkb)) for a in areas], crs=4326)
    west, south, east, north = gdf.total_bounds
    rng = np.random.default_rng(1505)
    frame = pd.DataFrame({"lon": rng.uniform(west, east, N_POINTS).round(6),
                          "lat": rng.uniform(south, north, N_POINTS).round(6)})
    from urllib.parse import urlsplit

    from gis.settings import base

    url = urlsplit(os.environ.get("DATABASE_URL") or base._private_database_url())
    env = {**os.environ, "DATABASE_URL": url._replace(path=f"/{name}").geturl()}  # the bench database
    with tempfile.TemporaryDirectory(prefix="bench_route_points_") as tmp:
        d = Path(tmp)
        frame.to_csv(d / "in.csv", index=False)
        frame.to_parquet(d / "in.parquet")
        gdf.to_file(d / "areas.gpkg")
        (d / "script.py").write_text(SCRIPT, encoding="utf-8")
        print(f"   {N_POINTS:,} points, {len(areas)} service areas; machine shared with other jobs", flush=True)
        py = sys.executable
        for ext in ("csv", "parquet"):
            src = str(d / f"in.{ext}")
            command, command_cpu = _timed([py, "manage.py", "route_points", src, str(d / f"out_cmd.{ext}")], env)
            script, script_cpu = _timed([py, str(d / "script.py"), src, str(d / "areas.gpkg"), str(d / f"out_gpd.{ext}")],
                                        env)
            print(f"   {ext} → {ext}: manage.py route_points {command:.1f} s (CPU {command_cpu:.1f} s), geopandas script "
                  f"{script:.1f} s (CPU {script_cpu:.1f} s): {script / command:.1f}× wall, "
                  f"{script_cpu / command_cpu:.1f}× CPU (target ≥ 5×); load average {os.getloadavg()[0]:.1f}", flush=True)


if __name__ == "__main__":
    from benchmarks.run import main as run

    sys.exit(run(["run", "route_points"]))
