"""OpenStreetMap (.osm.pbf, .osm) → neighbourhoods, streets with aliases, buildings, clipped to a boundary.

    report = import_osm("ukraine-donetsk.osm.pbf", boundary="data/kramatorsk/hromada_boundary.geojson",
                        commit=True)

The file is streamed with pyosmium: node locations live in libosmium's index (``flex_mem`` by
default, or e.g. ``sparse_file_array,/tmp/nodes.idx`` on a small machine), buildings leave Python in
batches for the bulk loader, and only the objects inside the boundary are kept. What is taken:

- neighbourhoods: areas with place=suburb|quarter|neighbourhood|town|village|hamlet, and
  administrative boundaries of admin_level 8 and above, at least half inside the boundary;
- streets: named highway=* ways, merged per (name, type, neighbourhood); name:ru becomes an alias of
  kind "ru", old_name (";"-separated) aliases of kind "old";
- buildings: building=* areas whose point lies inside the boundary, with addr:street and
  addr:housenumber, building:levels and building:flats.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import osmium
import osmium.filter
import osmium.geom
import shapely
from shapely.strtree import STRtree

from importers.core import (
    BuildingBatch,
    BuildingLoader,
    ImportFileError,
    building_kind,
    import_transaction,
    parse_street,
    polygonal,
    progress,
    to_geos,
    to_int,
    upsert,
)
from importers.report import ImportReport
from importers.vector import read_polygon
from layers.models import AliasKind, Neighbourhood, NeighbourhoodKind, Street, StreetAlias, StreetType

_PLACES = {
    "suburb": (NeighbourhoodKind.DISTRICT, True), "quarter": (NeighbourhoodKind.DISTRICT, True),
    "neighbourhood": (NeighbourhoodKind.DISTRICT, True), "town": (NeighbourhoodKind.SETTLEMENT, True),
    "village": (NeighbourhoodKind.VILLAGE, False), "hamlet": (NeighbourhoodKind.VILLAGE, False),
}
_MIN_INSIDE = 0.5  # share of a place polygon that must lie inside the boundary to belong to this city


@dataclass
class _Way:
    osm_id: str
    line: shapely.Geometry
    name_ru: str
    old_names: list[str]


@dataclass
class _Collected:
    neighbourhoods: list[tuple[str, dict, shapely.Geometry]] = field(default_factory=list)
    ways: dict[tuple[str | None, str], list[_Way]] = field(default_factory=lambda: defaultdict(list))
    outside: int = 0


class _BuildingBuffer:
    """Buildings gathered from the stream and handed to the loader batch by batch (bounded memory)."""

    def __init__(self, loader: BuildingLoader, clip: shapely.Geometry, report: ImportReport, bar, size: int) -> None:
        self.loader, self.clip, self.report, self.bar, self.size = loader, clip, report, bar, size
        self.row = 0
        self.outside = 0
        self._reset()

    def _reset(self) -> None:
        self.rows: list[int] = []
        self.ids: list[str] = []
        self.wkb: list[str] = []
        self.tags: list[tuple] = []

    def add(self, osm_id: str, wkb: str, tags: osmium.osm.TagList) -> None:
        self.row += 1
        self.rows.append(self.row)
        self.ids.append(osm_id)
        self.wkb.append(wkb)
        self.tags.append((tags.get("addr:street"), tags.get("addr:housenumber"), tags.get("building"),
                          tags.get("building:levels"), tags.get("building:flats")))
        if len(self.rows) >= self.size:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        geoms = shapely.from_wkb(np.asarray(self.wkb, dtype=object))
        poly = polygonal(geoms, rows=self.rows, ids=self.ids, report=self.report)
        kept = np.flatnonzero(poly.keep)
        inside = shapely.covers(self.clip, shapely.point_on_surface(poly.geoms))
        self.outside += int((~inside).sum())
        kept, geoms = kept[inside], poly.geoms[inside]
        self.report.rows_read += len(self.rows)
        tags = [self.tags[i] for i in kept]
        self.loader.add(BuildingBatch(
            rows=[self.rows[i] for i in kept], source_ids=[self.ids[i] for i in kept], geoms=geoms,
            streets=[t[0] for t in tags], housenumbers=[t[1] for t in tags], kinds=[building_kind(t[2]) for t in tags],
            floors=[to_int(t[3]) for t in tags], flats=[to_int(t[4]) for t in tags], residents=[None] * len(tags),
        ))
        self.bar.update(len(self.rows))
        self._reset()


def import_osm(path: str | Path, *, boundary: str | Path, source: str = "osm", commit: bool = False,
               strict: bool = False, show_progress: bool = False, batch_size: int = 20_000,
               location_index: str = "flex_mem") -> ImportReport:
    """Import an OSM extract clipped to the polygon(s) in ``boundary``. Dry run unless ``commit``."""
    p = Path(path)
    if not p.exists():
        raise ImportFileError(f"{p}: no such file")
    if p.stat().st_size == 0:
        raise ImportFileError(f"{p}: the file is empty")
    if not (p.name.endswith(".osm") or p.name.endswith(".osm.pbf") or p.name.endswith(".pbf")
            or p.name.endswith(".osm.bz2") or p.name.endswith(".osm.gz")):
        raise ImportFileError(f"{p}: not an OSM file (.osm, .osm.pbf)")
    clip = read_polygon(boundary)
    shapely.prepare(clip)
    report = ImportReport(importer="osm", path=str(path), source=source)
    bar = progress(total=None, desc=f"buildings from {p.name}", enabled=show_progress)
    with bar, import_transaction(report, commit=commit, strict=strict):
        loader = BuildingLoader(source=source, report=report)
        buffer = _BuildingBuffer(loader, clip, report, bar, batch_size)
        collected = _stream(p, clip=clip, buffer=buffer, report=report, location_index=location_index)
        buffer.flush()
        if buffer.outside:
            report.warn(None, "", f"{buffer.outside} building(s) outside the boundary skipped")
        _save_neighbourhoods(collected, source=source, report=report)
        _save_streets(collected, source=source, report=report)
        loader.finish()
    return report


def _stream(path: Path, *, clip, buffer: _BuildingBuffer, report: ImportReport, location_index: str) -> _Collected:
    out = _Collected()
    wkbf = osmium.geom.WKBFactory()
    processor = (
        osmium.FileProcessor(str(path))
        .with_locations(location_index)
        .with_areas(osmium.filter.KeyFilter("building", "place", "boundary"))
        .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY | osmium.osm.AREA))
        .with_filter(osmium.filter.KeyFilter("building", "highway", "place", "boundary"))
    )
    try:
        for obj in processor:
            kind = obj.type_str()
            tags = obj.tags
            if kind == "a":
                osm_id = f"{'way' if obj.from_way() else 'relation'}/{obj.orig_id()}"
                try:
                    wkb = wkbf.create_multipolygon(obj)
                except (RuntimeError, osmium.InvalidLocationError) as exc:
                    report.reject(None, osm_id, f"no usable polygon: {exc}")
                    continue
                if "building" in tags:
                    buffer.add(osm_id, wkb, tags)
                elif _is_neighbourhood(tags):
                    _collect_neighbourhood(out, osm_id, tags, wkb, clip, report)
            elif kind == "w" and "highway" in tags and ("name:uk" in tags or "name" in tags):
                _collect_way(out, obj, wkbf, clip, report)
    except RuntimeError as exc:  # libosmium's parse errors (a truncated or non-OSM file) surface as RuntimeError
        raise ImportFileError(f"{path}: cannot be read as OSM data: {exc}") from exc
    return out


def _is_neighbourhood(tags) -> bool:
    if tags.get("place") in _PLACES:
        return True
    level = to_int(tags.get("admin_level"))
    return tags.get("boundary") == "administrative" and level is not None and level >= 8 and "name" in tags


def _collect_neighbourhood(out: _Collected, osm_id: str, tags, wkb: str, clip, report: ImportReport) -> None:
    geom = shapely.from_wkb(wkb)
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
        report.repair(None, osm_id, "invalid place polygon made valid")
    if geom.area == 0:
        return
    inside = shapely.intersection(geom, clip)
    if inside.area < _MIN_INSIDE * geom.area:
        return
    info = {"name_uk": tags.get("name:uk") or tags.get("name", ""), "name_ru": tags.get("name:ru", ""),
            "place": tags.get("place", "")}
    out.neighbourhoods.append((osm_id, info, inside))


def _collect_way(out: _Collected, way, wkbf, clip, report: ImportReport) -> None:
    osm_id = f"way/{way.id}"
    try:
        line = shapely.from_wkb(wkbf.create_linestring(way))
    except (RuntimeError, osmium.InvalidLocationError) as exc:
        report.warn(None, osm_id, f"street way skipped: {exc}")
        return
    if not shapely.covers(clip, line):
        line = shapely.intersection(line, clip)
        parts = [g for g in shapely.get_parts(line) if g.geom_type in ("LineString", "MultiLineString")]
        if not parts:
            return
        line = shapely.union_all(parts)
    tags = way.tags
    street = parse_street(tags.get("name:uk") or tags.get("name"))
    old = [s.strip() for s in (tags.get("old_name") or "").split(";") if s.strip()]
    out.ways[(street.street_type, street.name)].append(_Way(osm_id, line, tags.get("name:ru", ""), old))


def _save_neighbourhoods(collected: _Collected, *, source: str, report: ImportReport) -> None:
    for osm_id, info, geom in collected.neighbourhoods:
        if not info["name_uk"]:
            report.reject(None, osm_id, "place without a name")
            continue
        poly = polygonal(np.asarray([geom], dtype=object), rows=[None], ids=[osm_id], report=report)
        if not len(poly.geoms):
            continue
        kind, urban = _PLACES.get(info["place"], (NeighbourhoodKind.DISTRICT, True))
        _, outcome = upsert(Neighbourhood, source=source, source_id=osm_id, values={
            "name_uk": info["name_uk"][:128], "name_ru": info["name_ru"][:128], "kind": kind, "urban": urban,
            "geom": to_geos(poly.geoms[0]),
        }, lookup={"name_uk__iexact": info["name_uk"]})  # a neighbourhood the registry already knows gets the OSM shape
        report.count("neighbourhood", **{outcome: 1})


def _save_streets(collected: _Collected, *, source: str, report: ImportReport) -> None:
    areas = list(Neighbourhood.objects.exclude(geom__isnull=True).only("id", "name_uk", "geom"))
    shapes = np.asarray([shapely.from_wkb(bytes(n.geom.wkb)) for n in areas], dtype=object)
    tree = STRtree(shapes) if len(areas) else None
    for (street_type, name), ways in sorted(collected.ways.items(), key=lambda kv: (kv[0][0] or "", kv[0][1])):
        if not name:
            continue
        if street_type is None:
            report.warn(None, ways[0].osm_id, f"«{name}» has no street type word; taken as вулиця")
            street_type = StreetType.STREET
        groups: dict[int | None, list[_Way]] = defaultdict(list)
        for way in ways:
            groups[_neighbourhood_of(way.line, tree, shapes, areas)].append(way)
        for idx, members in groups.items():
            hood = areas[idx] if idx is not None else None
            merged = shapely.line_merge(shapely.union_all([w.line for w in members]))
            if merged.geom_type == "LineString":
                merged = shapely.MultiLineString([merged])
            source_id = f"{street_type} {name} @ {hood.name_uk if hood else '—'}"[:128]
            street, outcome = upsert(
                Street, source=source, source_id=source_id,
                values={"name": name[:160], "street_type": street_type, "neighbourhood": hood, "geom": to_geos(merged)},
                lookup={"name": name[:160], "street_type": street_type, "neighbourhood": hood},
            )
            report.count("street", **{outcome: 1})
            _save_aliases(street, members, report)


def _neighbourhood_of(line, tree, shapes, areas) -> int | None:
    """The index of the one neighbourhood covering the middle of the way, else None."""
    if tree is None:
        return None
    mid = shapely.line_interpolate_point(line, 0.5, normalized=True) if line.geom_type == "LineString" \
        else shapely.point_on_surface(line)
    hits = [int(i) for i in tree.query(mid, predicate="covered_by")]
    return hits[0] if len(hits) == 1 else None


def _save_aliases(street: Street, ways: list[_Way], report: ImportReport) -> None:
    wanted: set[tuple[str, str, str]] = set()
    for way in ways:
        if way.name_ru:
            ru = parse_street(way.name_ru)
            wanted.add((ru.name, ru.type_as_written, AliasKind.RUSSIAN))
        for old in way.old_names:
            o = parse_street(old)
            if o.name != street.name:
                wanted.add((o.name, o.type_as_written, AliasKind.OLD))
    for name, type_word, kind in sorted(wanted):
        if not name:
            continue
        _, created = StreetAlias.objects.get_or_create(
            street=street, name=name[:160], kind=kind, defaults={"street_type": type_word[:16]},
        )
        report.count("street alias", created=int(created), unchanged=int(not created))
