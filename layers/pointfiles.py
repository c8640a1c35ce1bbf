"""Point files for batch routing (manage.py route_points), read and written column-wise in chunks.

In: CSV (columns lon, lat in EPSG:4326), Parquet (lon, lat) or GeoParquet (its geometry column and CRS),
GeoPackage or GeoJSON (through pyogrio/GDAL, with the file's CRS). Out: CSV, Parquet or GeoPackage. Every
chunk is an Arrow table; memory is bounded by ``chunk_rows`` whatever the file's size. A file whose CRS is not
known is refused (never guessed); a known CRS other than EPSG:4326 is reprojected to lon/lat.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import shapely

IN_FORMATS = {".csv": "csv", ".parquet": "parquet", ".geoparquet": "parquet", ".gpkg": "ogr", ".geojson": "ogr",
              ".json": "ogr"}
OUT_FORMATS = {".csv": "csv", ".parquet": "parquet", ".gpkg": "gpkg"}
DEFAULT_CHUNK_ROWS = 500_000


class PointFileError(ValueError):
    """The file cannot be read as points (format, columns, CRS); the message says why, in Ukrainian."""


def _format(path: Path, table: dict[str, str], what: str) -> str:
    fmt = table.get(path.suffix.lower())
    if fmt is None:
        raise PointFileError(f"{what}: невідомий формат {path.suffix or '(без розширення)'}; "
                             f"підтримуються {', '.join(sorted(table))}")
    return fmt


def _numpy(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A float64 Arrow array as numpy, NaN where null, read from its buffers (Array.to_numpy() imports pandas:
    half a second of start-up for nothing)."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    n = len(values)
    validity, data = values.buffers()[:2]
    out = np.frombuffer(data, dtype=np.float64, count=n, offset=values.offset * 8).copy() if n else np.zeros(0)
    if values.null_count:
        bits = np.unpackbits(np.frombuffer(validity, dtype=np.uint8), bitorder="little")
        out[~bits[values.offset:values.offset + n].astype(bool)] = np.nan
    return out


# A number as people write it in a CSV cell; anything else makes the row "invalid".
_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"


def _to_float(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Numbers, or NaN where the text is not a number (the row becomes "invalid", never dropped)."""
    if pa.types.is_floating(column.type) or pa.types.is_integer(column.type):
        return _numpy(pc.cast(column, pa.float64()))
    text = pc.cast(column, pa.string())
    try:  # the common case, a clean column: Arrow parses it at once
        return _numpy(pc.cast(text, pa.float64()))
    except pa.ArrowInvalid:  # some cell is not a plain number: each cell on its own
        pass
    text = pc.utf8_trim_whitespace(text)
    ok = pc.match_substring_regex(text, _NUMBER)
    return _numpy(pc.cast(pc.if_else(ok, text, pa.scalar(None, pa.string())), pa.float64()))


def _to_lon_lat(crs) -> object | None:
    """A pyproj Transformer to lon/lat, or None when the CRS already is EPSG:4326 / OGC:CRS84."""
    from pyproj import CRS, Transformer

    source = CRS.from_user_input(crs)
    if source.equals(CRS.from_epsg(4326), ignore_axis_order=True):
        return None
    return Transformer.from_crs(source, 4326, always_xy=True)


def _xy(geometry_wkb, transformer) -> tuple[np.ndarray, np.ndarray]:
    geoms = shapely.from_wkb(np.asarray(geometry_wkb.to_numpy(zero_copy_only=False), dtype=object))
    points = shapely.get_type_id(geoms) == 0
    x = np.where(points, shapely.get_x(geoms), np.nan)
    y = np.where(points, shapely.get_y(geoms), np.nan)
    if transformer is not None:
        x, y = transformer.transform(x, y)
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


def read_points(path: str | Path, *, chunk_rows: int = DEFAULT_CHUNK_ROWS) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(lon, lat) arrays, chunk by chunk, in file order; NaN where a row holds no readable point."""
    path = Path(path)
    fmt = _format(path, IN_FORMATS, "вхідний файл")
    if not path.exists():
        raise PointFileError(f"немає файлу {path}")
    if fmt == "csv":
        yield from _read_csv(path, chunk_rows)
    elif fmt == "parquet":
        yield from _read_parquet(path, chunk_rows)
    else:
        yield from _read_ogr(path, chunk_rows)


def _read_csv(path: Path, chunk_rows: int):
    try:
        reader = pacsv.open_csv(
            path, read_options=pacsv.ReadOptions(block_size=max(1 << 16, chunk_rows * 24), encoding="utf-8"),
            convert_options=pacsv.ConvertOptions(include_columns=["lon", "lat"],
                                                 column_types={"lon": pa.string(), "lat": pa.string()}))
    except (pa.ArrowInvalid, pa.ArrowKeyError) as exc:
        raise PointFileError(f"CSV має мати стовпці lon і lat (EPSG:4326): {exc}") from exc
    for batch in reader:
        yield _to_float(batch.column("lon")), _to_float(batch.column("lat"))


def _read_parquet(path: Path, chunk_rows: int):
    f = pq.ParquetFile(path)
    names = f.schema_arrow.names
    if "lon" in names and "lat" in names:
        for batch in f.iter_batches(batch_size=chunk_rows, columns=["lon", "lat"]):
            yield _to_float(batch.column("lon")), _to_float(batch.column("lat"))
        return
    geo = (f.schema_arrow.metadata or {}).get(b"geo")
    if geo is None:
        raise PointFileError("Parquet має мати стовпці lon і lat або бути GeoParquet (метадані geo)")
    meta = json.loads(geo)
    column = meta["primary_column"]
    # GeoParquet: a column without "crs" is OGC:CRS84 by the specification; "crs": null means unknown.
    info = meta["columns"][column]
    if "crs" in info and info["crs"] is None:
        raise PointFileError("GeoParquet без системи координат (crs: null): не вгадуємо")
    transformer = _to_lon_lat(info.get("crs") or "OGC:CRS84")
    for batch in f.iter_batches(batch_size=chunk_rows, columns=[column]):
        yield _xy(batch.column(column), transformer)


def _read_ogr(path: Path, chunk_rows: int):
    import pyogrio

    with pyogrio.open_arrow(path, batch_size=chunk_rows, columns=[], use_pyarrow=True) as (meta, reader):
        if not meta.get("crs"):
            raise PointFileError(f"{path.name}: без системи координат — не вгадуємо")
        transformer = _to_lon_lat(meta["crs"])
        column = meta.get("geometry_name") or "wkb_geometry"
        for batch in reader:
            yield _xy(batch.column(column), transformer)


class PointWriter:
    """Chunks of routed points (Arrow tables with lon, lat and the result columns) → one output file."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.format = _format(self.path, OUT_FORMATS, "вихідний файл")
        self._writer = None
        self._chunks = 0

    def write(self, table: pa.Table) -> None:
        if self.format == "csv":
            if self._writer is None:
                self._writer = pacsv.CSVWriter(self.path, table.schema)
            self._writer.write_table(table)
        elif self.format == "parquet":
            if self._writer is None:
                # Dictionary pages for the columns of few values (outcomes, ids), statistics for the columns a
                # reader filters on (lon, lat, ids): not for the distances, where both cost and serve nothing.
                fields = table.schema
                ids = [f.name for f in fields if pa.types.is_integer(f.type)]
                self._writer = pq.ParquetWriter(
                    self.path, fields,
                    use_dictionary=[f.name for f in fields if pa.types.is_dictionary(f.type)] + ids,
                    write_statistics=[n for n in ("lon", "lat") if n in fields.names] + ids)
            self._writer.write_table(table)
        else:
            import pyogrio

            lon = table.column("lon").to_numpy(zero_copy_only=False)
            lat = table.column("lat").to_numpy(zero_copy_only=False)
            wkb = shapely.to_wkb(shapely.points(np.where(np.isnan(lon), 0.0, lon), np.where(np.isnan(lat), 0.0, lat)))
            wkb = np.where(np.isnan(lon) | np.isnan(lat), None, wkb)
            plain = pa.Table.from_arrays(  # GDAL's Arrow reader wants plain strings, not dictionaries
                [c.cast(pa.string()) if pa.types.is_dictionary(c.type) else c for c in table.columns],
                names=table.column_names)
            with_geom = plain.append_column("geometry", pa.array(wkb, type=pa.binary()))
            pyogrio.write_arrow(with_geom, self.path, layer="routed_points", driver="GPKG", geometry_name="geometry",
                                geometry_type="Point", crs="EPSG:4326", append=self._chunks > 0)
        self._chunks += 1

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
