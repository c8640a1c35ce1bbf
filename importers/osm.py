"""OpenStreetMap (.osm.pbf, .osm) → neighbourhoods, streets with aliases, buildings and addresses, clipped to a boundary.

    report = import_osm("ukraine-donetsk.osm.pbf", boundary="data/kramatorsk/hromada_boundary.geojson",
                        commit=True)

The file is streamed with pyosmium: node locations live in libosmium's index (``flex_mem`` by
default, or e.g. ``sparse_file_array,/tmp/nodes.idx`` on a small machine), buildings leave Python in
batches for the bulk loader, and only the objects inside the boundary are kept. What is taken:

- neighbourhoods: areas with place=suburb|quarter|neighbourhood|town|village|hamlet, and
  administrative boundaries of admin_level 8 and above, at least half inside the boundary; a place
  *node* of those kinds becomes a neighbourhood without an outline (a name the geocoder knows as a
  hint) when no neighbourhood of that name exists;
- streets: named highway=* ways, merged per (name, type, neighbourhood); the name is name:uk, else
  name; name (when name:uk differs), name:ru and old_name (";"-separated) become aliases. A name without
  a Ukrainian/Russian type word keeps its name alone (no "вулиця" is invented). An addr:street that
  names no street of the clip (the street lies outside it) becomes a street without an axis;
- buildings: closed building=* ways and building multipolygon relations, their polygons built here from
  the node locations (so a self-intersecting ring is repaired with make_valid and reported, never dropped
  as libosmium's area assembly does; a relation cut by the extract's edge is rejected with that reason), with
  addr:street / addr:place and addr:housenumber, building:levels and building:flats;
- addresses: addr:housenumber on nodes (address points, entrances with addr:flats) and on other ways,
  with addr:street or addr:place; each belongs to the building covering it (or within
  ADDRESS_SNAP_M metres of one), and is kept as an address point otherwise. old_addr:street becomes an
  old name of the street.

Every object of those kinds that is not stored is in the report with its reason, and the report's
``balance`` says, per kind, in file = stored + rejected + outside the boundary.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import osmium
import osmium.area
import osmium.filter
import osmium.geom
import osmium.index
import osmium.io
import shapely
from django.db import connection
from shapely.strtree import STRtree

from gis.srid import METRIC_SRID, STORAGE_SRID
from importers.core import (
    BuildingBatch,
    BuildingLoader,
    ImportFileError,
    building_kind,
    ewkb_hex,
    housenumber_columns,
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
from layers.addresses import attach_addresses
from layers.models import AliasKind, Neighbourhood, NeighbourhoodKind, Street, StreetAlias

_PLACES = {
    "suburb": (NeighbourhoodKind.DISTRICT, True), "quarter": (NeighbourhoodKind.DISTRICT, True),
    "neighbourhood": (NeighbourhoodKind.DISTRICT, True), "town": (NeighbourhoodKind.SETTLEMENT, True),
    "village": (NeighbourhoodKind.VILLAGE, False), "hamlet": (NeighbourhoodKind.VILLAGE, False),
}
_PLACE_NODES = ("suburb", "quarter", "neighbourhood", "village", "hamlet")
_MIN_INSIDE = 0.5  # share of a place polygon that must lie inside the boundary to belong to this city
ADDRESS_SNAP_M = 3.0  # an address point this close to a footprint (metres) belongs to it


@dataclass
class _Way:
    osm_id: str
    line: shapely.Geometry
    aliases: list[tuple[str, str]]  # (text, AliasKind)


@dataclass
class _Relation:
    tags: dict
    members: list[tuple[int, str]]  # (way id, role)


@dataclass
class _Collected:
    neighbourhoods: list[tuple[str, dict, shapely.Geometry]] = field(default_factory=list)
    place_nodes: list[tuple[str, dict]] = field(default_factory=list)
    ways: dict[tuple[str | None, str], list[_Way]] = field(default_factory=lambda: defaultdict(list))
    relations: dict[int, _Relation] = field(default_factory=dict)
    member_ways: dict[int, list | None] = field(default_factory=dict)  # way id → [(lon, lat)], None: locations missing
    addresses: list[tuple] = field(default_factory=list)  # (osm_id, lon, lat, tags)
    street_names: set[str] = field(default_factory=set)  # every addr:street met inside the clip
    old_streets: set[tuple[str, str]] = field(default_factory=set)  # (addr:street, old_addr:street)
    tally: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))


class _BuildingBuffer:
    """Buildings gathered from the stream and handed to the loader batch by batch (bounded memory).

    A building way comes as the WKB of its closed line (its polygon is built here, a batch at a time);
    a relation as osmium's multipolygon or one assembled from its members.
    """

    def __init__(self, loader: BuildingLoader, clip: shapely.Geometry, report: ImportReport, bar, size: int,
                 out: _Collected) -> None:
        self.loader, self.clip, self.report, self.bar, self.size = loader, clip, report, bar, size
        self.tally, self.streets, self.addresses = out.tally["building"], out.street_names, out.addresses
        self.row = 0
        self._reset()

    def _reset(self) -> None:
        self.rows: list[int] = []
        self.ids: list[str] = []
        self.wkb: list[bytes | None] = []
        self.rings: list[bool] = []  # True: the WKB is a closed line to make a polygon of
        self.tags: list[tuple] = []

    def add(self, osm_id: str, wkb: bytes | None, tags, *, ring: bool = False, geom: shapely.Geometry | None = None) -> None:
        self.row += 1
        self.rows.append(self.row)
        self.ids.append(osm_id)
        self.wkb.append(wkb if geom is None else shapely.to_wkb(geom))
        self.rings.append(ring)
        self.tags.append((tags.get("addr:street"), tags.get("addr:housenumber"), tags.get("building"),
                          tags.get("building:levels"), tags.get("building:flats"), tags.get("addr:place")))
        if len(self.rows) >= self.size:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        geoms = shapely.from_wkb(np.asarray(self.wkb, dtype=object))
        rings = np.asarray(self.rings, dtype=bool)
        if rings.any():
            geoms[rings] = _polygons_of_rings(geoms[rings])
        poly = polygonal(geoms, rows=self.rows, ids=self.ids, report=self.report)
        kept = np.flatnonzero(poly.keep)
        self.tally["rejected"] += len(self.rows) - len(kept)
        inside = shapely.covers(self.clip, shapely.point_on_surface(poly.geoms))
        self.tally["outside"] += int((~inside).sum())
        kept, geoms = kept[inside], poly.geoms[inside]
        self.report.rows_read += len(self.rows)
        tags = [self.tags[i] for i in kept]
        self.streets.update(t[0] for t in tags if t[0])
        self.loader.add(BuildingBatch(
            rows=[self.rows[i] for i in kept], source_ids=[self.ids[i] for i in kept], geoms=geoms,
            streets=[t[0] for t in tags], housenumbers=[t[1] if (t[0] or not t[5]) else None for t in tags],
            kinds=[building_kind(t[2]) for t in tags], floors=[to_int(t[3]) for t in tags],
            flats=[to_int(t[4]) for t in tags], residents=[None] * len(tags),
        ))
        # A building numbered under a place name (addr:place, no street: a village) gets it as an address.
        for j, t in enumerate(tags):
            if t[5] and t[1] and not t[0]:
                pt = shapely.point_on_surface(geoms[j])
                self.addresses.append((self.ids[kept[j]], pt.x, pt.y, {"addr:place": t[5], "addr:housenumber": t[1]}))
        self.bar.update(len(self.rows))
        self._reset()


def _polygons_of_rings(lines: np.ndarray) -> np.ndarray:
    """Polygons of closed lines, vectorised; a line too short for a ring gives None (rejected as no geometry)."""
    out = np.full(len(lines), None, dtype=object)
    counts = shapely.get_num_coordinates(lines)
    ok = np.flatnonzero(counts >= 4)
    if len(ok):
        coords, index = shapely.get_coordinates(lines[ok], return_index=True)
        out[ok] = shapely.polygons(shapely.linearrings(coords, indices=index))
    return out


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
        collected = _Collected()
        loader = BuildingLoader(source=source, report=report)
        buffer = _BuildingBuffer(loader, clip, report, bar, batch_size, collected)
        _stream(p, clip=clip, buffer=buffer, out=collected, report=report, location_index=location_index)
        _assemble_relations(collected, buffer, report)
        buffer.flush()
        if collected.tally["building"]["outside"]:
            report.warn(None, "", f"{collected.tally['building']['outside']} building(s) outside the boundary skipped")
        _save_neighbourhoods(collected, source=source, report=report)
        _save_place_nodes(collected, clip=clip, source=source, report=report)
        addresses = _address_rows(collected, clip=clip, report=report)
        _save_streets(collected, source=source, report=report)
        _streets_outside_the_clip(collected, source=source, report=report)
        loader.finish()
        building = collected.tally["building"]
        building["stored"] = len(loader.seen)
        _save_addresses(addresses, collected.tally["address"], source=source, report=report)
        _save_old_street_names(collected, report=report)
        for kind, c in sorted(collected.tally.items()):
            report.balance[kind] = {k: c[k] for k in ("in file", "stored", "rejected", "outside")}
    return report


def _stream(path: Path, *, clip, buffer: _BuildingBuffer, out: _Collected, report: ImportReport,
            location_index: str) -> None:
    """One pass over the relations (for osmium's area assembly and ours), then one over everything."""
    wkbf = osmium.geom.WKBFactory()
    areas = osmium.area.AreaManager()
    relations = _RelationReader(out)
    interesting = osmium.filter.KeyFilter("building", "place", "boundary")
    try:
        with osmium.io.Reader(str(path), osmium.osm.RELATION) as rd:
            osmium.apply(rd, interesting, areas.first_pass_handler(), relations)
        # Python sees tagged nodes of interest, every way (a relation's member ways are mostly untagged:
        # sorted out below by id) and the areas of places and building relations.
        filters = [
            osmium.filter.EntityFilter(osmium.osm.NODE | osmium.osm.WAY | osmium.osm.AREA),
            osmium.filter.KeyFilter("addr:housenumber", "place", "building").enable_for(osmium.osm.NODE),
            # Building relations are assembled here from their member ways (below), so osmium's areas of
            # buildings (it makes one of every closed way) never reach Python: only places and boundaries.
            osmium.filter.KeyFilter("place", "boundary").enable_for(osmium.osm.AREA),
        ]
        buffer_it = osmium.BufferIterator(*filters)
        locations = osmium.NodeLocationsForWays(osmium.index.create_map(location_index))
        locations.ignore_errors()
        handlers = [locations, areas.second_pass_to_buffer(buffer_it)]
        with osmium.io.Reader(str(path), osmium.osm.NODE | osmium.osm.WAY | osmium.osm.RELATION) as reader:
            for obj in osmium.OsmFileIterator(reader, *handlers, *filters):
                _take(obj, out=out, buffer=buffer, wkbf=wkbf, clip=clip, report=report)
                if buffer_it:
                    for area in buffer_it:
                        _take(area, out=out, buffer=buffer, wkbf=wkbf, clip=clip, report=report)
        for area in buffer_it:
            _take(area, out=out, buffer=buffer, wkbf=wkbf, clip=clip, report=report)
    except RuntimeError as exc:  # libosmium's parse errors (a truncated or non-OSM file) surface as RuntimeError
        raise ImportFileError(f"{path}: cannot be read as OSM data: {exc}") from exc


class _RelationReader:
    """The building relations of the file (first pass): their tags and member ways."""

    def __init__(self, out: _Collected) -> None:
        self.out = out

    def relation(self, r) -> None:
        if "building" not in r.tags:
            return
        tally = self.out.tally["building"]
        tally["in file"] += 1
        osm_id = f"relation/{r.id}"
        kind = r.tags.get("type", "")
        if kind != "multipolygon":
            tally["rejected"] += 1
            self.out.relations[-r.id] = _Relation({}, [])  # seen, not an outline
            self._report_later(osm_id, f"a building relation of type={kind or '—'} has no outline (not a multipolygon)")
            return
        members = [(m.ref, m.role) for m in r.members if m.type == "w"]
        self.out.relations[r.id] = _Relation(dict(r.tags), members)
        for way_id, _role in members:
            self.out.member_ways.setdefault(way_id, None)

    def _report_later(self, osm_id: str, reason: str) -> None:
        self.out.relations.setdefault(0, _Relation({}, []))
        self.out.relations[0].members.append((osm_id, reason))  # type: ignore[arg-type]


def _take(obj, *, out: _Collected, buffer: _BuildingBuffer, wkbf, clip, report: ImportReport) -> None:
    kind = obj.type_str()
    tags = obj.tags
    if kind == "w":
        if obj.id in out.member_ways:
            try:
                out.member_ways[obj.id] = [(n.lon, n.lat) for n in obj.nodes]
            except osmium.InvalidLocationError:
                pass  # stays None: a node of it lies beyond the extract
        if "building" in tags:
            _building_way(obj, out=out, buffer=buffer, wkbf=wkbf, report=report)
        elif "highway" in tags and ("name:uk" in tags or "name" in tags):
            _collect_way(out, obj, wkbf, clip, report)
        elif "addr:housenumber" in tags:
            try:
                line = shapely.from_wkb(wkbf.create_linestring(obj))
            except (RuntimeError, osmium.InvalidLocationError) as exc:
                out.tally["address"]["in file"] += 1
                out.tally["address"]["rejected"] += 1
                report.reject(None, f"way/{obj.id}", f"address without a usable location: {exc}")
                return
            c = shapely.centroid(line)
            out.addresses.append((f"way/{obj.id}", c.x, c.y, dict(tags)))
    elif kind == "n":
        if "addr:housenumber" in tags:
            loc = obj.location
            out.addresses.append((f"node/{obj.id}", loc.lon, loc.lat, dict(tags)))
        elif tags.get("place") in _PLACE_NODES and ("name" in tags or "name:uk" in tags):
            loc = obj.location
            out.place_nodes.append((f"node/{obj.id}", {"lon": loc.lon, "lat": loc.lat, "place": tags["place"],
                                                       "name_uk": tags.get("name:uk") or tags.get("name", ""),
                                                       "name_ru": tags.get("name:ru", "")}))
    elif kind == "a":
        if obj.from_way():
            if "building" not in tags and _is_neighbourhood(tags):
                osm_id = f"way/{obj.orig_id()}"
                try:
                    _collect_neighbourhood(out, osm_id, tags, wkbf.create_multipolygon(obj), clip, report)
                except (RuntimeError, osmium.InvalidLocationError) as exc:
                    report.reject(None, osm_id, f"no usable polygon: {exc}")
            return
        if "building" in tags or not _is_neighbourhood(tags):
            return
        osm_id = f"relation/{obj.orig_id()}"
        try:
            _collect_neighbourhood(out, osm_id, tags, wkbf.create_multipolygon(obj), clip, report)
        except (RuntimeError, osmium.InvalidLocationError) as exc:
            report.reject(None, osm_id, f"no usable polygon: {exc}")


def _building_way(way, *, out: _Collected, buffer: _BuildingBuffer, wkbf, report: ImportReport) -> None:
    tally = out.tally["building"]
    tally["in file"] += 1
    osm_id = f"way/{way.id}"
    if not way.is_closed():
        tally["rejected"] += 1
        report.reject(None, osm_id, "building way is not closed (no outline)")
        return
    try:
        wkb = wkbf.create_linestring(way)
    except osmium.InvalidLocationError:
        tally["rejected"] += 1
        report.reject(None, osm_id, "node locations missing: the way is cut by the extract's edge")
        return
    except RuntimeError as exc:  # fewer than two distinct locations
        tally["rejected"] += 1
        if any(not n.location.valid() for n in way.nodes):
            report.reject(None, osm_id, "node locations missing: the way is cut by the extract's edge")
        else:
            report.reject(None, osm_id, f"no usable outline: {exc}")
        return
    buffer.add(osm_id, bytes.fromhex(wkb) if isinstance(wkb, str) else wkb, way.tags, ring=True)


def _faces(lines: list) -> tuple[shapely.Geometry, bool]:
    """The area the closed lines enclose, and whether they had to be noded first (rings that cross)."""
    plain = list(shapely.polygonize(lines).geoms)
    whole = shapely.union_all(plain) if plain else shapely.Polygon()
    rings = sum(1 for g in lines if g.is_ring)
    if plain and all(p.is_valid for p in plain) and len(plain) >= rings:
        return whole, False
    noded = shapely.get_parts(shapely.union_all(lines))
    faces = list(shapely.polygonize(noded).geoms)
    return (shapely.union_all(faces) if faces else shapely.Polygon()), True


def _assemble_relations(out: _Collected, buffer: _BuildingBuffer, report: ImportReport) -> None:
    """Building multipolygons from their member ways: outer faces less inner ones; crossing rings are noded
    and repaired (reported), a relation cut by the extract's edge is rejected with that reason."""
    notes = out.relations.pop(0, None)
    for osm_id, reason in (notes.members if notes else []):
        report.reject(None, osm_id, reason)
    for rel_id, rel in sorted(out.relations.items()):
        if rel_id < 0:
            continue
        osm_id = f"relation/{rel_id}"
        missing = [w for w, _ in rel.members if out.member_ways.get(w) is None]
        if missing or not rel.members:
            out.tally["building"]["rejected"] += 1
            report.reject(None, osm_id, f"incomplete relation at the extract's edge: {len(missing)} of "
                                        f"{len(rel.members)} member way(s) missing or without node locations")
            continue
        lines = {role: [shapely.LineString(out.member_ways[w]) for w, r in rel.members
                        if (r if r == "inner" else "outer") == role and len(out.member_ways[w]) >= 2]
                 for role in ("outer", "inner")}
        outer, repaired = _faces(lines["outer"]) if lines["outer"] else (shapely.Polygon(), False)
        if lines["inner"] and not outer.is_empty:
            inner, fixed = _faces(lines["inner"])
            outer, repaired = shapely.difference(outer, inner), repaired or fixed
        if outer.is_empty or outer.area == 0:
            out.tally["building"]["rejected"] += 1
            report.reject(None, osm_id, "empty after repair: the member ways close no ring")
            continue
        if repaired:
            report.repair(None, osm_id, "multipolygon with crossing or open rings: noded and made valid")
        buffer.add(osm_id, None, rel.tags, geom=outer)


def _is_neighbourhood(tags) -> bool:
    if tags.get("place") in _PLACES:
        return True
    level = to_int(tags.get("admin_level"))
    return tags.get("boundary") == "administrative" and level is not None and level >= 8 and "name" in tags


def _collect_neighbourhood(out: _Collected, osm_id: str, tags, wkb, clip, report: ImportReport) -> None:
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
    tally = out.tally["street way"]
    tally["in file"] += 1
    try:
        line = shapely.from_wkb(wkbf.create_linestring(way))
    except (RuntimeError, osmium.InvalidLocationError) as exc:
        tally["rejected"] += 1
        report.reject(None, osm_id, f"street way without a usable line: {exc}")
        return
    if not shapely.covers(clip, line):
        line = shapely.intersection(line, clip)
        parts = [g for g in shapely.get_parts(line) if g.geom_type in ("LineString", "MultiLineString")]
        if not parts:
            tally["outside"] += 1
            return
        line = shapely.union_all(parts)
    tally["stored"] += 1
    tags = way.tags
    name_uk, name = tags.get("name:uk"), tags.get("name")
    street = parse_street(name_uk or name)
    aliases = []
    if name_uk and name and name != name_uk:
        aliases.append((name, AliasKind.OTHER))
    if tags.get("name:ru"):
        aliases.append((tags["name:ru"], AliasKind.RUSSIAN))
    aliases += [(s.strip(), AliasKind.OLD) for s in (tags.get("old_name") or "").split(";") if s.strip()]
    out.ways[(street.street_type, street.name)].append(_Way(osm_id, line, aliases))


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


def _save_place_nodes(collected: _Collected, *, clip, source: str, report: ImportReport) -> None:
    """A place node names a neighbourhood that has no polygon: kept as a name (a geocoding hint), no outline."""
    tally = collected.tally["place node"]
    for osm_id, info in collected.place_nodes:
        tally["in file"] += 1
        if not shapely.covers(clip, shapely.Point(info["lon"], info["lat"])):
            tally["outside"] += 1
            continue
        tally["stored"] += 1
        if Neighbourhood.objects.filter(name_uk__iexact=info["name_uk"]).exclude(source_id=osm_id).exists():
            report.count("neighbourhood", unchanged=1)  # its polygon (or the register's row) is the neighbourhood
            continue
        kind, urban = _PLACES[info["place"]]
        _, outcome = upsert(Neighbourhood, source=source, source_id=osm_id, values={
            "name_uk": info["name_uk"][:128], "name_ru": info["name_ru"][:128], "kind": kind, "urban": urban,
            "geom": None})
        report.count("neighbourhood", **{outcome: 1})


def _save_streets(collected: _Collected, *, source: str, report: ImportReport) -> None:
    areas = list(Neighbourhood.objects.exclude(geom__isnull=True).only("id", "name_uk", "geom"))
    shapes = np.asarray([shapely.from_wkb(bytes(n.geom.wkb)) for n in areas], dtype=object)
    tree = STRtree(shapes) if len(areas) else None
    for (street_type, name), ways in sorted(collected.ways.items(), key=lambda kv: (kv[0][0] or "", kv[0][1])):
        if not name:
            continue
        street_type = street_type or ""  # no type word: the name alone (a foreign extract, an untyped tag)
        groups: dict[int | None, list[_Way]] = defaultdict(list)
        for part in _connected(ways):
            # One street is the ways of that name that meet (a long street crossing districts stays one);
            # the same name apart (Шкільна in two villages) is one street in each neighbourhood.
            line = shapely.line_merge(shapely.union_all([w.line for w in part]))
            groups[_neighbourhood_of(line, tree, shapes, areas)].extend(part)
        for idx, members in groups.items():
            hood = areas[idx] if idx is not None else None
            merged = shapely.line_merge(shapely.union_all([w.line for w in members]))
            if merged.geom_type == "LineString":
                merged = shapely.MultiLineString([merged])
            elif merged.geom_type != "MultiLineString":
                merged = shapely.MultiLineString([g for g in shapely.get_parts(merged) if g.geom_type == "LineString"])
            source_id = f"{street_type} {name} @ {hood.name_uk if hood else '—'}".strip()[:128]
            street, outcome = upsert(
                Street, source=source, source_id=source_id,
                values={"name": name[:160], "street_type": street_type, "neighbourhood": hood, "geom": to_geos(merged)},
                lookup={"name": name[:160], "street_type": street_type, "neighbourhood": hood},
            )
            report.count("street", **{outcome: 1})
            _save_aliases(street, [a for w in members for a in w.aliases], report)


def _streets_outside_the_clip(collected: _Collected, *, source: str, report: ImportReport) -> None:
    """An addr:street naming no street of the registry (its axis lies outside the clip): a street without an axis."""
    for text in sorted(collected.street_names):
        parsed = parse_street(text)
        if not parsed.name:
            continue
        same = Street.objects.filter(name__iexact=parsed.name[:160])
        if parsed.street_type:
            same = same.filter(street_type=parsed.street_type)
        if same.exists():
            continue
        _, outcome = upsert(Street, source=source, source_id=f"addr:street {text}"[:128], values={
            "name": parsed.name[:160], "street_type": parsed.street_type or "", "neighbourhood": None, "geom": None})
        report.count("street", **{outcome: 1})
        if outcome == "created":
            report.warn(None, "", f"street «{text}» of addr:street has no way inside the boundary: kept without an axis")


STREET_GAP_M = 30.0  # ways of one name closer than this (metres) are one street


def _connected(ways: list[_Way]) -> list[list[_Way]]:
    """The ways of one name grouped into pieces that meet (within STREET_GAP_M, measured in METRIC_SRID)."""
    if len(ways) == 1:
        return [ways]
    metric = shapely.transform(np.asarray([w.line for w in ways], dtype=object), _to_metric, interleaved=False)
    tree = STRtree(metric)
    left, right = tree.query(metric, predicate="dwithin", distance=STREET_GAP_M)
    parent = list(range(len(ways)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in zip(left.tolist(), right.tolist(), strict=True):
        parent[find(a)] = find(b)
    parts: dict[int, list[_Way]] = defaultdict(list)
    for i, way in enumerate(ways):
        parts[find(i)].append(way)
    return list(parts.values())


@lru_cache(maxsize=1)
def _transformer():
    from pyproj import Transformer

    return Transformer.from_crs(STORAGE_SRID, METRIC_SRID, always_xy=True)


def _to_metric(x, y):
    return _transformer().transform(x, y)


def _neighbourhood_of(line, tree, shapes, areas) -> int | None:
    """The index of the one neighbourhood covering the middle of the way, else None."""
    if tree is None:
        return None
    mid = shapely.line_interpolate_point(line, 0.5, normalized=True) if line.geom_type == "LineString" \
        else shapely.point_on_surface(line)
    hits = [int(i) for i in tree.query(mid, predicate="covered_by")]
    return hits[0] if len(hits) == 1 else None


def _save_aliases(street: Street, names: list[tuple[str, str]], report: ImportReport) -> None:
    wanted: set[tuple[str, str, str]] = set()
    for text, kind in names:
        parsed = parse_street(text)
        if parsed.name and (parsed.name != street.name or kind == AliasKind.RUSSIAN and parsed.type_as_written):
            if parsed.name != street.name:
                wanted.add((parsed.name, parsed.type_as_written, kind))
    for name, type_word, kind in sorted(wanted):
        _, created = StreetAlias.objects.get_or_create(
            street=street, name=name[:160], kind=kind, defaults={"street_type": type_word[:16]},
        )
        report.count("street alias", created=int(created), unchanged=int(not created))


def _save_old_street_names(collected: _Collected, *, report: ImportReport) -> None:
    """old_addr:street next to addr:street: the street's old name."""
    for current, old in sorted(collected.old_streets):
        now, was = parse_street(current), parse_street(old)
        if not was.name or was.name == now.name:
            continue
        streets = Street.objects.filter(name=now.name[:160])
        if now.street_type:
            streets = streets.filter(street_type=now.street_type)
        for street in streets:
            _save_aliases(street, [(old, AliasKind.OLD)], report)


# ---------------------------------------------------------------------------------------------------
# Addresses


_ADDR_COLUMNS = (
    "row integer, source_id text, point geometry, street_name text, street_type text, place text, "
    "housenumber text, number integer, letter text, fraction text, block text, housenumber_key text, "
    "entrance text, flats text, street_id bigint, neighbourhood_id bigint"
)
_ADDR_COPY = ("row", "source_id", "point", "street_name", "street_type", "place", "housenumber", "number", "letter",
              "fraction", "block", "housenumber_key", "entrance", "flats")


def _address_rows(collected: _Collected, *, clip, report: ImportReport) -> list[tuple]:
    """COPY rows of the address objects inside the clip; the others counted outside or rejected with why."""
    tally = collected.tally["address"]
    items = collected.addresses
    tally["in file"] += len(items)
    if not items:
        return []
    points = shapely.points(np.asarray([(lon, lat) for _, lon, lat, _ in items], dtype=float))
    inside = shapely.covers(clip, points)
    tally["outside"] += int((~inside).sum())
    hexes = ewkb_hex(points)
    rows = []
    for i in np.flatnonzero(inside):
        osm_id, _lon, _lat, tags = items[i]
        street, place = tags.get("addr:street", "").strip(), tags.get("addr:place", "").strip()
        hn = tags.get("addr:housenumber", "").strip()
        if not street and not place:
            tally["rejected"] += 1
            report.reject(None, osm_id, f"house number «{hn}» without addr:street or addr:place")
            continue
        if street:
            collected.street_names.add(street)
            if tags.get("old_addr:street"):
                collected.old_streets.add((street, tags["old_addr:street"]))
        parsed = parse_street(street) if street else None
        rows.append((len(rows) + 1, osm_id, hexes[i], parsed.name if parsed else None,
                     parsed.street_type if parsed else None, "" if street else place[:128])
                    + housenumber_columns(hn)[:6]
                    + ((tags.get("ref") or "")[:16] if "entrance" in tags else "", (tags.get("addr:flats") or "")[:64]))
    return rows


def _save_addresses(rows: list[tuple], tally: Counter, *, source: str, report: ImportReport) -> None:
    """Upsert the address rows by (source, source_id), resolve streets, attach each to its building."""
    if not rows:
        report.count("address")
        return
    t = "import_addresses"
    with connection.cursor() as cur:
        cur.execute(f"CREATE TEMP TABLE {t} ({_ADDR_COLUMNS}) ON COMMIT DROP")
        with cur.cursor.copy(f"COPY {t} ({', '.join(_ADDR_COPY)}) FROM STDIN") as copy:
            for rec in rows:
                copy.write_row(rec)
        cur.execute(f"ANALYZE {t}")
        cur.execute(f"""UPDATE {t} b SET neighbourhood_id = m.v FROM (
            SELECT t.row, min(n.id) FROM {t} t JOIN layers_neighbourhood n
              ON n.geom IS NOT NULL AND ST_Covers(n.geom, t.point) GROUP BY t.row HAVING count(*) = 1
            ) AS m(row, v) WHERE b.row = m.row""")
        # As for buildings: the street of that name in the address's neighbourhood, else the only one.
        cur.execute(f"""UPDATE {t} b SET street_id = m.v FROM (
            SELECT t.row, CASE
                WHEN count(*) FILTER (WHERE s.neighbourhood_id = t.neighbourhood_id) = 1
                    THEN min(s.id) FILTER (WHERE s.neighbourhood_id = t.neighbourhood_id)
                WHEN count(*) = 1 THEN min(s.id) END
            FROM {t} t JOIN layers_street s
              ON lower(s.name) = lower(t.street_name) AND (t.street_type IS NULL OR s.street_type = t.street_type)
            WHERE t.street_name IS NOT NULL GROUP BY t.row) AS m(row, v)
            WHERE b.row = m.row AND m.v IS NOT NULL""")
        cur.execute(f"""DELETE FROM {t} WHERE street_name IS NOT NULL AND street_id IS NULL
                        RETURNING source_id, concat_ws(' ', street_type, street_name)""")
        for source_id, name in sorted(cur.fetchall()):
            tally["rejected"] += 1
            report.reject(None, source_id, f"street «{name}» is ambiguous (several neighbourhoods, the point in none)")
        cur.execute(f"""
            UPDATE layers_address a SET street_id = t.street_id, place = t.place, housenumber = t.housenumber,
                number = t.number, letter = t.letter, fraction = t.fraction, block = t.block,
                housenumber_key = t.housenumber_key, point = t.point, entrance = t.entrance, flats = t.flats
            FROM {t} t WHERE a.source = %(source)s AND a.source_id = t.source_id
              AND (a.street_id, a.place, a.housenumber, a.point, a.entrance, a.flats) IS DISTINCT FROM
                  (t.street_id, t.place, t.housenumber, t.point, t.entrance, t.flats)""", {"source": source})
        updated = cur.rowcount
        cur.execute(f"""
            INSERT INTO layers_address (source, source_id, street_id, place, housenumber, number, letter, fraction,
                block, housenumber_key, point, building_id, is_main, entrance, flats)
            SELECT %(source)s, t.source_id, t.street_id, t.place, t.housenumber, t.number, t.letter, t.fraction,
                t.block, t.housenumber_key, t.point, NULL, false, t.entrance, t.flats
            FROM {t} t WHERE NOT EXISTS (
                SELECT 1 FROM layers_address a WHERE a.source = %(source)s AND a.source_id = t.source_id)""",
                    {"source": source})
        created = cur.rowcount
        cur.execute(f"SELECT count(*) FROM {t}")
        total = cur.fetchone()[0]
        cur.execute(f"SELECT array_agg(a.id) FROM layers_address a JOIN {t} t ON a.source = %(source)s "
                    "AND a.source_id = t.source_id", {"source": source})
        ids = cur.fetchone()[0] or []
        cur.execute(f"DROP TABLE {t}")
    tally["stored"] += total
    report.count("address", created=created, updated=updated, unchanged=total - created - updated)
    attached = attach_addresses(address_ids=ids, within_m=ADDRESS_SNAP_M)
    if attached.points:
        report.warn(None, "", f"{attached.points} address(es) lie on no building (within {ADDRESS_SNAP_M:g} m): "
                              "kept as address points")


def addresses_in_file(path: str | Path) -> dict[tuple[str, str], list[tuple[float, float]]]:
    """Every distinct (addr:street, addr:housenumber) of an OSM file with the lon, lat of each object that
    carries it (a node's location, a way's mean node location): what an evaluation of geocoding asks for.

    Relations are left out (their members' locations are not at hand in one pass).
    """
    found: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
    processor = (osmium.FileProcessor(str(path)).with_locations()
                 .with_filter(osmium.filter.EntityFilter(osmium.osm.NODE | osmium.osm.WAY))
                 .with_filter(osmium.filter.KeyFilter("addr:housenumber")))
    for obj in processor:
        street, number = obj.tags.get("addr:street"), obj.tags.get("addr:housenumber")
        if not street:
            continue
        try:
            if obj.type_str() == "n":
                lon, lat = obj.location.lon, obj.location.lat
            else:
                coords = [(n.lon, n.lat) for n in obj.nodes]
                lon, lat = sum(c[0] for c in coords) / len(coords), sum(c[1] for c in coords) / len(coords)
        except osmium.InvalidLocationError:
            found.setdefault((street, number), [])
            continue
        found[(street, number)].append((lon, lat))
    return dict(found)
