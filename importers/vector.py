"""Vector files (GeoJSON, GeoPackage, Shapefile — also zipped —, KML, anything GDAL reads) → the registry.

    report = import_vector("areas.gpkg", layer="service_areas", provider="vodokanal",
                           mapping={"service_kinds": "SERVICES"}, commit=True)

The file is streamed in Arrow batches (memory stays bounded), its CRS checked (none → refused) and
geometries reprojected to EPSG:4326 and repaired (reported). Buildings go through the bulk loader;
the other layers are small and use one upsert per row.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyogrio
import pyogrio.raw
import shapely
from django.conf import settings
from pyogrio.errors import DataLayerError, DataSourceError
from pyproj import CRS

from importers.core import (
    BuildingBatch,
    BuildingLoader,
    ImportFileError,
    building_kind,
    find_provider,
    gdal_path,
    import_transaction,
    polygonal,
    prefetch,
    progress,
    require_crs,
    service_kind_codes,
    to_date,
    to_geos,
    to_int,
    to_storage,
    upsert,
)
from importers.report import ImportReport
from layers.models import Boundary, Neighbourhood, NeighbourhoodKind, ServiceArea

# Our fields per layer, and the column names looked for when no --map is given (first found wins,
# case-insensitive). "id" is the row's id in its source: re-imports update by it.
FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "buildings": {
        "id": ("id", "source_id", "@id", "osm_id", "fid"),
        "street": ("street", "addr:street", "вулиця", "улица"),
        "housenumber": ("housenumber", "addr:housenumber", "номер", "house", "number"),
        "kind": ("kind", "building", "тип"),
        "floors": ("floors", "building:levels", "levels", "поверхів"),
        "flats": ("flats", "building:flats", "квартир"),
        "residents": ("residents", "мешканців"),
    },
    "service_areas": {
        "id": ("id", "source_id", "fid"),
        "name": ("name", "назва", "name_uk"),
        "provider": ("provider", "виконавець"),
        "service_kinds": ("service_kinds", "services", "послуги"),
        "valid_from": ("valid_from", "діє_з"),
        "valid_to": ("valid_to", "діє_до"),
        "priority": ("priority", "пріоритет"),
    },
    "neighbourhoods": {
        "id": ("id", "source_id", "@id", "osm_id", "fid"),
        "name_uk": ("name_uk", "name:uk", "name", "назва"),
        "name_ru": ("name_ru", "name:ru"),
        "kind": ("kind", "тип"),
        "urban": ("urban",),
    },
    "boundaries": {
        "id": ("id", "source_id", "@id", "osm_id", "fid"),
        "name_uk": ("name_uk", "name:uk", "name", "назва"),
        "name_ru": ("name_ru", "name:ru"),
        "name_en": ("name_en", "name:en"),
        "admin_level": ("admin_level",),
    },
}
LAYERS = tuple(FIELDS)

_NEIGHBOURHOOD_KINDS = {
    "district": NeighbourhoodKind.DISTRICT, "мікрорайон": NeighbourhoodKind.DISTRICT, "suburb": NeighbourhoodKind.DISTRICT,
    "quarter": NeighbourhoodKind.DISTRICT, "neighbourhood": NeighbourhoodKind.DISTRICT,
    "settlement": NeighbourhoodKind.SETTLEMENT, "селище": NeighbourhoodKind.SETTLEMENT, "town": NeighbourhoodKind.SETTLEMENT,
    "village": NeighbourhoodKind.VILLAGE, "село": NeighbourhoodKind.VILLAGE, "hamlet": NeighbourhoodKind.VILLAGE,
}
_TRUE = {"1", "true", "yes", "так", "да", "t", "y"}


def resolve_mapping(layer: str, columns: list[str], mapping: dict[str, str] | None) -> dict[str, str]:
    """Our field → the file's column: explicit ``mapping`` first, then the usual names.

    >>> resolve_mapping("buildings", ["ID", "addr:street", "addr:housenumber"], {"kind": "ID"})
    {'kind': 'ID', 'id': 'ID', 'street': 'addr:street', 'housenumber': 'addr:housenumber'}
    """
    fields = FIELDS[layer]
    lower = {c.lower(): c for c in columns}
    out: dict[str, str] = {}
    for field, column in (mapping or {}).items():
        if field not in fields:
            raise ImportFileError(f"--map {field}=…: {layer} has no field {field!r}; fields: {', '.join(fields)}")
        if column.lower() not in lower:
            raise ImportFileError(f"--map {field}={column}: no column {column!r}; columns: {', '.join(columns)}")
        out[field] = lower[column.lower()]
    for field, names in fields.items():
        if field in out:
            continue
        for name in names:
            if name.lower() in lower:
                out[field] = lower[name.lower()]
                break
    return out


@dataclass
class _Batch:
    rows: list[int]
    ids: list[str]
    geoms: np.ndarray
    columns: dict[str, list]


def _read_batches(meta: dict, reader, *, crs: CRS, mapping: dict[str, str], report: ImportReport) -> Iterator[_Batch]:
    """Stream the file in Arrow batches: row numbers, ids, geometries in 4326, mapped columns."""
    row0 = 0
    warned_no_id = False
    for batch in reader:
        n = batch.num_rows
        geom_col = next(
            (f.name for f in batch.schema if (f.metadata or {}).get(b"ARROW:extension:name") == b"geoarrow.wkb"),
            meta.get("geometry_name") or "wkb_geometry",
        )
        geoms = shapely.from_wkb(np.asarray(batch.column(geom_col).to_numpy(zero_copy_only=False), dtype=object))
        if shapely.has_z(geoms).any():  # KML and 3D shapefiles carry heights our 2D columns refuse
            geoms = shapely.force_2d(geoms)
        geoms = to_storage(geoms, crs)
        rows = list(range(row0 + 1, row0 + n + 1))
        row0 += n
        columns = {field: batch.column(col).to_pylist() for field, col in mapping.items()}
        if "id" in columns:
            ids = ["" if v is None else str(v).strip() for v in columns["id"]]
        else:
            if not warned_no_id:
                report.warn(None, "", "no id column: the feature number is the id, so re-import the same file "
                                      "unchanged (or name an id column with --map id=COLUMN)")
                warned_no_id = True
            ids = [str(r) for r in rows]
        yield _Batch(rows=rows, ids=ids, geoms=geoms, columns=columns)


def import_vector(path: str | Path, *, layer: str, source: str | None = None, mapping: dict[str, str] | None = None,
                  provider: str | None = None, service_kinds: str | None = None, source_layer: str | None = None,
                  commit: bool = False, strict: bool = False, show_progress: bool = False,
                  batch_size: int | None = None) -> ImportReport:
    """Import one layer of a vector file as buildings, service areas, neighbourhoods or boundaries.

    ``provider`` and ``service_kinds`` give every service area the same provider / kinds when the file has
    no such columns. Dry run unless ``commit``; raises ImportFileError / ImportAborted on fatal errors.
    """
    if layer not in FIELDS:
        raise ImportFileError(f"unknown layer {layer!r}; one of {', '.join(LAYERS)}")
    gpath = gdal_path(path)
    # Rows read, written and counted on the progress bar at a time (settings.IMPORT_BATCH_ROWS, 50,000).
    batch_size = batch_size or settings.IMPORT_BATCH_ROWS
    source = source or Path(path).name.split(".")[0]
    report = ImportReport(importer=f"vector → {layer}", path=str(path), source=source)
    # One pass over the file: the CRS and the columns come with the stream (read_info would parse it twice).
    with ExitStack() as stack:
        try:
            meta, reader = stack.enter_context(
                pyogrio.open_arrow(gpath, layer=source_layer, batch_size=batch_size, use_pyarrow=True))
        except (DataSourceError, DataLayerError) as exc:
            raise ImportFileError(f"{path}: cannot be read as a vector file: {exc}") from exc
        crs = require_crs(meta["crs"], path)
        fields = resolve_mapping(layer, [str(c) for c in meta["fields"]], mapping)
        bar = progress(total=None, desc=f"{layer} from {Path(path).name}", enabled=show_progress)
        with bar, import_transaction(report, commit=commit, strict=strict):
            _import_layer(_read_batches(meta, reader, crs=crs, mapping=fields, report=report), layer=layer,
                          source=source, report=report, bar=bar, provider=provider, service_kinds=service_kinds)
            if not report.rows_read:
                raise ImportFileError(f"{path}: the file has no features")
    return report


def _import_layer(batches: Iterator[_Batch], *, layer: str, source: str, report: ImportReport, bar,
                  provider: str | None, service_kinds: str | None) -> None:
    if layer == "buildings":
        _load_buildings(batches, source=source, report=report, bar=bar)
    else:
        rows = _ORM_LAYERS[layer]
        ctx = _AreaContext(provider=provider, service_kinds=service_kinds) if layer == "service_areas" else None
        seen: dict[str, int] = {}
        for b in batches:
            report.rows_read += len(b.rows)
            poly = polygonal(b.geoms, rows=b.rows, ids=b.ids, report=report)
            kept = np.flatnonzero(poly.keep)
            for geom, i in zip(poly.geoms, kept, strict=True):
                row, source_id = b.rows[i], b.ids[i]
                values = {f: b.columns[f][i] for f in b.columns}
                if not source_id:
                    report.reject(row, "", "no id")
                    continue
                if source_id in seen:
                    report.reject(row, source_id, f"duplicate id in the file (first at row {seen[source_id]})")
                    continue
                seen[source_id] = row
                rows(geom, values, row=row, source=source, source_id=source_id, report=report, ctx=ctx)
            bar.update(len(b.rows))


def _load_buildings(batches: Iterator[_Batch], *, source: str, report: ImportReport, bar) -> None:
    """Reading and parsing run one batch ahead in a background thread while this thread writes.

    The buildings of a vector file are upserted batch by batch (``streaming``): the streets and
    neighbourhoods they resolve to are already in the database.
    """
    loader = BuildingLoader(source=source, report=report, streaming=True)

    def prepared() -> Iterator[tuple[int, list[tuple]]]:
        for b in batches:
            yield len(b.rows), loader.prepare(_building_batch(b, report))

    with prefetch(prepared()) as ready:
        for n, records in ready:
            loader.write(records)
            bar.update(n)
    loader.finish()


def _building_batch(b: _Batch, report: ImportReport) -> BuildingBatch:
    """The buildings of one batch of the file: polygonal, with an id; the others rejected with a reason."""
    report.rows_read += len(b.rows)
    poly = polygonal(b.geoms, rows=b.rows, ids=b.ids, report=report)
    kept = np.flatnonzero(poly.keep)
    no_id = [i for i in kept if not b.ids[i]]
    for i in no_id:
        report.reject(b.rows[i], "", "no id")
    if no_id:
        mask = np.array([bool(b.ids[i]) for i in kept], dtype=bool)
        kept, geoms = kept[mask], poly.geoms[mask]
    else:
        geoms = poly.geoms

    every = len(kept) == len(b.rows)  # the common case: no row dropped, no re-indexing

    def col(field: str, convert=None):
        values = b.columns.get(field)
        if values is None:
            return [None] * len(kept)
        if every:
            return list(map(convert, values)) if convert else values
        return [convert(values[i]) if convert else values[i] for i in kept]

    return BuildingBatch(
        rows=b.rows if every else [b.rows[i] for i in kept], source_ids=b.ids if every else [b.ids[i] for i in kept],
        geoms=geoms,
        streets=col("street", lambda v: str(v).strip() if v not in (None, "") else None),
        housenumbers=col("housenumber", lambda v: str(v) if v is not None else None),
        kinds=col("kind", building_kind), floors=col("floors", to_int), flats=col("flats", to_int),
        residents=col("residents", to_int),
    )


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _boundary(geom, values, *, row, source, source_id, report, ctx) -> None:
    name = _text(values.get("name_uk"))
    if not name:
        report.reject(row, source_id, "no name (map one with --map name_uk=COLUMN)")
        return
    _, outcome = upsert(Boundary, source=source, source_id=source_id, values={
        "name_uk": name[:160], "name_ru": _text(values.get("name_ru"))[:160], "name_en": _text(values.get("name_en"))[:160],
        "admin_level": to_int(values.get("admin_level")), "geom": to_geos(geom),
    })
    report.count("boundary", **{outcome: 1})


def _neighbourhood(geom, values, *, row, source, source_id, report, ctx) -> None:
    name = _text(values.get("name_uk"))
    if not name:
        report.reject(row, source_id, "no name (map one with --map name_uk=COLUMN)")
        return
    data = {"name_uk": name[:128], "name_ru": _text(values.get("name_ru"))[:128], "geom": to_geos(geom)}
    if "kind" in values:
        kind = _NEIGHBOURHOOD_KINDS.get(_text(values["kind"]).lower())
        if kind is None and _text(values["kind"]):
            report.warn(row, source_id, f"unknown kind «{values['kind']}», kept as мікрорайон")
        data["kind"] = kind or NeighbourhoodKind.DISTRICT
    if "urban" in values:
        data["urban"] = _text(values["urban"]).lower() in _TRUE
    _, outcome = upsert(Neighbourhood, source=source, source_id=source_id, values=data)
    report.count("neighbourhood", **{outcome: 1})


@dataclass
class _AreaContext:
    provider: str | None
    service_kinds: str | None


def _service_area(geom, values, *, row, source, source_id, report, ctx: _AreaContext) -> None:
    prov_ref = values.get("provider") if values.get("provider") not in (None, "") else ctx.provider
    prov, why = find_provider(prov_ref)
    if prov is None:
        report.reject(row, source_id, why + " (a provider column, or --provider)")
        return
    kinds_text = values.get("service_kinds") if values.get("service_kinds") not in (None, "") else ctx.service_kinds
    codes, unknown = service_kind_codes(kinds_text)
    if unknown:
        report.reject(row, source_id, f"unknown service kind(s): {', '.join(unknown)}")
        return
    if not codes:
        report.reject(row, source_id, "no service kinds (a service_kinds column, or --service-kinds)")
        return
    try:
        valid_from, valid_to = to_date(values.get("valid_from")), to_date(values.get("valid_to"))
    except ValueError as exc:
        report.reject(row, source_id, str(exc))
        return
    name = _text(values.get("name")) or f"{prov} {source_id}"
    priority = to_int(values.get("priority")) or 0
    _, outcome = upsert(ServiceArea, source=source, source_id=source_id, values={
        "name": name[:200], "provider": prov, "geom": to_geos(geom), "valid_from": valid_from, "valid_to": valid_to,
        "priority": priority,
    }, m2m={"service_kinds": codes})
    report.count("service area", **{outcome: 1})


_ORM_LAYERS = {"boundaries": _boundary, "neighbourhoods": _neighbourhood, "service_areas": _service_area}


def read_polygon(path: str | Path, *, source_layer: str | None = None) -> shapely.MultiPolygon:
    """The union of the polygons in a file, in EPSG:4326 (a boundary to clip an import to)."""
    gpath = gdal_path(path)
    try:
        info = pyogrio.read_info(gpath, layer=source_layer)
        crs = require_crs(info["crs"], path)
        _, _, wkb, _ = pyogrio.raw.read(gpath, layer=source_layer, read_geometry=True, columns=[])
    except (DataSourceError, DataLayerError) as exc:
        raise ImportFileError(f"{path}: cannot be read as a vector file: {exc}") from exc
    geoms = to_storage(shapely.force_2d(shapely.from_wkb(wkb)), crs)
    scratch = ImportReport(importer="boundary", path=str(path), source="")
    poly = polygonal(geoms, rows=list(range(1, len(geoms) + 1)), ids=[""] * len(geoms), report=scratch)
    if not len(poly.geoms):
        raise ImportFileError(f"{path}: no polygon in the file to clip to")
    union = shapely.union_all(poly.geoms)
    return union if union.geom_type == "MultiPolygon" else shapely.MultiPolygon([union])
