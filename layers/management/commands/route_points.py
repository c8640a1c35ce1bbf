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


def _strings(values: list[str]) -> pa.Array:
    """A small Arrow string array from its buffers (see _arrow: pa.array() would import pandas)."""
    data = [v.encode() for v in values]
    offsets = np.cumsum([0, *map(len, data)], dtype=np.int32)
    return pa.Array.from_buffers(pa.string(), len(values), [None, pa.py_buffer(offsets), pa.py_buffer(b"".join(data))])


# Outcome names by code (the last one for unreadable points): each outcome column is dictionary-encoded over
# them (codes per row, no string per row), as Parquet stores it anyway; CSV writes the names.
_NAMES = _strings([*OUTCOMES, "invalid"])


def _arrow(values: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    """A numpy array (int64 or float64) as an Arrow array over the same memory, null where ``null``.

    Built from buffers: pa.array() asks whether its input is a pandas object and so imports pandas,
    half a second of every run's start-up for nothing.
    """
    values = np.ascontiguousarray(values)
    kind = pa.int64() if values.dtype.kind in "iu" else pa.float64()
    values = values.astype(np.int64 if kind == pa.int64() else np.float64, copy=False)
    validity = None
    if null is not None and null.any():
        validity = pa.py_buffer(np.packbits(~null, bitorder="little"))
    return pa.Array.from_buffers(kind, len(values), [validity, pa.py_buffer(values)])


def _ids(values: np.ndarray, keep: np.ndarray) -> pa.Array:
    """int64 ids, null where 0 (none) or where the point was unreadable."""
    return _arrow(values, ~keep | (values == 0))


def routed_table(router, lon: np.ndarray, lat: np.ndarray, counts: dict[str, int]) -> pa.Table:
    """One chunk: its points and, per service kind, the six result columns (vectorised, no Python loop per row)."""
    valid = np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180) & (np.abs(lat) <= 90)
    result = router.route(np.where(valid, lon, 0.0), np.where(valid, lat, 0.0))
    columns: dict[str, pa.Array] = {"lon": _arrow(lon, ~valid), "lat": _arrow(lat, ~valid)}
    gap = OUTCOMES.index("gap")
    kinds = [(kind, result.column(kind)) for kind in result.kinds]
    # The points that are a gap in some kind, in metres once for every kind's nearest area.
    any_gap = np.zeros(len(lon), dtype=bool)
    for _kind, (_provider, outcome, _area, _rule) in kinds:
        any_gap |= valid & (outcome == gap)
    metric_x, metric_y = np.full(len(lon), np.nan), np.full(len(lon), np.nan)
    if any_gap.any():
        metric_x[any_gap], metric_y[any_gap] = router.to_metric(lon[any_gap], lat[any_gap])
    nearest: dict[tuple[bytes, ...], tuple] = {}
    for kind, (provider, outcome, area, _rule) in kinds:
        codes = np.where(valid, outcome, len(OUTCOMES))
        tally = np.bincount(codes, minlength=len(_NAMES))
        for code, name in enumerate(_NAMES.to_pylist()):
            counts[name] = counts.get(name, 0) + int(tally[code])
        gap_mask = valid & (outcome == gap)
        gaps = np.flatnonzero(gap_mask)
        # Kinds whose areas have the same shapes (several kinds of one utility, or one city-wide area per
        # service, each its own row) share the measuring of the same gaps; each kind then picks its own areas.
        shapes = router.geometry_key(kind)
        seen = nearest.get(shapes)
        if seen is not None and np.array_equal(seen[0], gap_mask):
            pairs = seen[1]
        else:
            pairs = router.near_pairs(kind, metric_x[gaps], metric_y[gaps])
            nearest[shapes] = (gap_mask, pairs)
        s_area, s_provider, s_m = router.nearest_within(kind, lon[gaps], lat[gaps], pairs=pairs)
        sugg_provider, sugg_area, sugg_m = (np.zeros(len(lon), np.int64), np.zeros(len(lon), np.int64),
                                            np.full(len(lon), np.nan))
        sugg_provider[gaps], sugg_area[gaps], sugg_m[gaps] = s_provider, s_area, np.round(s_m, 1)
        columns[f"{kind}_provider"] = _ids(provider, valid)
        columns[f"{kind}_outcome"] = pa.DictionaryArray.from_arrays(_arrow(codes), _NAMES)
        columns[f"{kind}_area"] = _ids(area, valid)
        columns[f"{kind}_suggested_provider"] = _ids(sugg_provider, valid)
        columns[f"{kind}_suggested_area"] = _ids(sugg_area, valid)
        columns[f"{kind}_suggested_m"] = _arrow(sugg_m, np.isnan(sugg_m))
    return pa.Table.from_arrays(list(columns.values()), names=list(columns))


class Command(BaseCommand):
    # A file-to-file batch job: the system checks (which import every URL and view) are not its business.
    requires_system_checks: list = []
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
