"""manage.py route_points INPUT OUTPUT: points → a provider per service kind, with outcomes, file to file.

INPUT: CSV (columns lon, lat, EPSG:4326), Parquet (lon, lat) or GeoParquet, GeoPackage or GeoJSON points (their
CRS; a file without one is refused). OUTPUT: .csv, .parquet or .gpkg. Read, routed and written in chunks of
--chunk-rows points, column-wise (pyarrow, pyogrio): memory stays bounded for 10M points.

Output columns: lon, lat, then for every service kind <kind>_provider (id, empty when none),
<kind>_outcome (assigned | gap | overlap | invalid) and <kind>_area (the deciding area id, empty otherwise);
for a gap, <kind>_suggested_provider, <kind>_suggested_area and <kind>_suggested_m name the nearest
area of that kind within 100 m (measured in metres, EPSG:32637), for a human to confirm.
Rows whose point cannot be read are kept, with outcome "invalid" in every kind.
"""

from __future__ import annotations

import datetime as dt
import time

import numpy as np
import pyarrow as pa
from django.core.management.base import BaseCommand, CommandError

from layers.batch import OUTCOMES, load_router
from layers.pointfiles import DEFAULT_CHUNK_ROWS, PointFileError, PointWriter, read_points

_NAMES = np.array([*OUTCOMES, "invalid"], dtype=object)


def _ids(values: np.ndarray, keep: np.ndarray) -> pa.Array:
    return pa.array(values, type=pa.int64(), mask=~keep | (values == 0))


def routed_table(router, lon: np.ndarray, lat: np.ndarray, counts: dict[str, int]) -> pa.Table:
    """One chunk: its points and, per service kind, the six result columns (vectorised, no Python loop per row)."""
    valid = np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180) & (np.abs(lat) <= 90)
    result = router.route(np.where(valid, lon, 0.0), np.where(valid, lat, 0.0))
    columns: dict[str, pa.Array] = {"lon": pa.array(lon, mask=~valid), "lat": pa.array(lat, mask=~valid)}
    gap = OUTCOMES.index("gap")
    for kind in result.kinds:
        provider, outcome, area, _rule = result.column(kind)
        codes = np.where(valid, outcome, len(OUTCOMES))
        for code, name in enumerate(_NAMES):
            counts[name] = counts.get(name, 0) + int((codes == code).sum())
        gaps = np.flatnonzero(valid & (outcome == gap))
        s_area, s_provider, s_m = router.nearest_within(kind, lon[gaps], lat[gaps])
        sugg_provider, sugg_area, sugg_m = (np.zeros(len(lon), np.int64), np.zeros(len(lon), np.int64),
                                            np.full(len(lon), np.nan))
        sugg_provider[gaps], sugg_area[gaps], sugg_m[gaps] = s_provider, s_area, np.round(s_m, 1)
        columns[f"{kind}_provider"] = _ids(provider, valid)
        columns[f"{kind}_outcome"] = pa.array(_NAMES[codes], type=pa.string())
        columns[f"{kind}_area"] = _ids(area, valid)
        columns[f"{kind}_suggested_provider"] = _ids(sugg_provider, valid)
        columns[f"{kind}_suggested_area"] = _ids(sugg_area, valid)
        columns[f"{kind}_suggested_m"] = pa.array(sugg_m, mask=np.isnan(sugg_m))
    return pa.table(columns)


class Command(BaseCommand):
    help = "Route points from a CSV, Parquet/GeoParquet, GeoPackage or GeoJSON file to providers per service kind."

    def add_arguments(self, parser):
        parser.add_argument("input", help="CSV (lon, lat in EPSG:4326), .parquet, .gpkg or .geojson of points")
        parser.add_argument("output", help="file to write: .csv, .parquet or .gpkg")
        parser.add_argument("--at", help="date the areas must be valid at (YYYY-MM-DD; default today)")
        parser.add_argument("--cell-m", type=float, default=50.0, help="grid cell size in metres")
        parser.add_argument("--chunk-rows", type=int, default=DEFAULT_CHUNK_ROWS,
                            help="points read, routed and written at a time (bounds the memory)")

    def handle(self, *args, **options):
        at = dt.date.fromisoformat(options["at"]) if options["at"] else None
        started = time.perf_counter()
        try:
            writer = PointWriter(options["output"])
            chunks = read_points(options["input"], chunk_rows=max(1000, options["chunk_rows"]))
            router = load_router(at=at, cell_m=options["cell_m"])
            counts: dict[str, int] = {}
            total = invalid = 0
            try:
                for lon, lat in chunks:
                    table = routed_table(router, lon, lat, counts)
                    total += len(lon)
                    invalid += table.column("lon").null_count
                    writer.write(table)
            finally:
                writer.close()
        except PointFileError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"routed {total - invalid} points ({invalid} invalid) over {len(router.kinds)} service kinds in "
            f"{time.perf_counter() - started:.1f} s; decisions: "
            + ", ".join(f"{k} {counts.get(k, 0)}" for k in OUTCOMES)
        )
