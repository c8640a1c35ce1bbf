"""Routing: building, point or category → the responsible provider per service kind.

Deterministic and explainable (STYLE.md rule 5). For each service kind, in order:

1. a BuildingAssignment of the building valid at the date beats any polygon (rule "assignment");
2. the service areas of that kind valid at the date whose subdivided parts `ST_Covers` the
   building's representative point (a point on a shared edge matches both areas):
   one area → "assigned" (rule "area"); several → the highest `priority` wins if it is unique
   ("assigned", rule "priority"), otherwise outcome "overlap" listing every candidate for a human;
3. no area → outcome "gap", with the nearest area of that kind within 100 m (measured in
   EPSG:32637, never in degrees) as a suggestion for a human (rule "nearest"), or none (rule "none").

One prepared SQL statement per lookup, for every kind at once: PostGIS says which areas cover the
point (indexed `ST_Covers` on the subdivided parts) and gives the registry version (migration 0005).
Area, assignment and provider rows are held in process memory per version, so a lookup costs little
more than the bare `covers` query, and an edit anywhere is seen by the very next lookup. Ties are
broken by ids, so the same registry always gives the same answer.

>>> Decision(service_kind="water", outcome="gap", provider=None, candidates=(), area_id=None,
...          assignment_id=None, rule="none", reason="").is_gap
True
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
from django.db import connection
from django.utils import timezone

from gis.db import fetch_prepared
from gis.srid import METRIC_SRID, STORAGE_SRID
from layers.models import Building, Category, Provider

ASSIGNED = "assigned"
GAP = "gap"
OVERLAP = "overlap"

# How far a gap looks for a neighbouring area to suggest (metres, on the spheroid).
NEAREST_LIMIT_M = 100.0

# One statement per lookup: the registry version and the areas whose subdivided parts cover the
# point (the GiST index does the work, as in MapIt). Everything else comes from _Registry.
_LOOKUP_SQL = """
SELECT (SELECT version FROM layers_routingversion WHERE id = 1),
       ARRAY(SELECT part.area_id FROM layers_serviceareapart part
             WHERE ST_Covers(part.geom, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)))
"""

_VERSION_SQL = "SELECT version FROM layers_routingversion WHERE id = 1"

# A building by id and its routing in the same one statement: what "who serves this building" shows
# (address parts, kind, size, neighbourhood), the registry version and the areas covering its point.
_BUILDING_SQL = """
SELECT b.id, ST_X(b.point), ST_Y(b.point), b.housenumber, b.kind, b.floors, b.flats, s.name, s.street_type,
       n.name_uk,
       (SELECT version FROM layers_routingversion WHERE id = 1),
       ARRAY(SELECT part.area_id FROM layers_serviceareapart part WHERE ST_Covers(part.geom, b.point))
FROM layers_building b
LEFT JOIN layers_street s ON s.id = b.street_id
LEFT JOIN layers_neighbourhood n ON n.id = b.neighbourhood_id
WHERE b.id = %(building)s
"""


@dataclass(frozen=True)
class BuildingBrief:
    """What a lookup shows of a building, read with its routing (route_building_id): no geometry."""

    id: int
    lon: float
    lat: float
    housenumber: str
    kind: str
    floors: int | None
    flats: int | None
    street_name: str | None
    street_type: str | None
    neighbourhood: str | None

    @property
    def address(self) -> str:
        """As Building.address writes it."""
        if self.street_name is None:
            return self.housenumber or f"#{self.id}"
        street = f"{self.street_type} {self.street_name}" if self.street_type else self.street_name
        return f"{street}, {self.housenumber}"


@dataclass(frozen=True)
class _Area:
    id: int
    name: str
    provider: Provider
    priority: int
    kinds: frozenset[str]
    valid_from: date | None
    valid_to: date | None


@dataclass(frozen=True)
class _Assignment:
    id: int
    building_id: int
    provider: Provider
    kinds: frozenset[str]
    valid_from: date | None
    valid_to: date | None


def _valid(row: _Area | _Assignment, at: date) -> bool:
    return (row.valid_from is None or row.valid_from <= at) and (row.valid_to is None or row.valid_to >= at)


class _Registry:
    """Areas, assignments, providers and kinds at one registry version, held in process memory.

    The nearest-area index (for gaps) is built on first use, in METRIC_SRID so that 100 m are metres.
    """

    def __init__(self) -> None:
        from layers.models import BuildingAssignment, ServiceArea, ServiceKind

        self.kind_names = dict(ServiceKind.objects.order_by("code").values_list("code", "name_uk"))
        self.kinds = list(self.kind_names)
        self.providers = {p.pk: p for p in Provider.objects.all()}
        self.areas: dict[int, _Area] = {}
        for a in ServiceArea.objects.prefetch_related("service_kinds").only(
                "id", "name", "provider_id", "priority", "valid_from", "valid_to"):
            self.areas[a.pk] = _Area(id=a.pk, name=a.name, provider=self.providers[a.provider_id], priority=a.priority,
                                     kinds=frozenset(k.pk for k in a.service_kinds.all()),
                                     valid_from=a.valid_from, valid_to=a.valid_to)
        self.assignments: dict[int, list[_Assignment]] = {}
        for s in BuildingAssignment.objects.prefetch_related("service_kinds").order_by("id"):
            self.assignments.setdefault(s.building_id, []).append(_Assignment(
                id=s.pk, building_id=s.building_id, provider=self.providers[s.provider_id],
                kinds=frozenset(k.pk for k in s.service_kinds.all()), valid_from=s.valid_from, valid_to=s.valid_to))
        self.layered = frozenset(k for a in self.areas.values() for k in a.kinds)
        self._nearest = None
        # Footprints of assigned buildings: a bare point inside one takes its assignments.
        import shapely

        footprints = list(Building.objects.filter(id__in=list(self.assignments)).order_by("id").values_list("id", "geom"))
        self.footprint_ids = np.array([i for i, _g in footprints], dtype=np.int64)
        self.footprints = shapely.STRtree(shapely.from_wkb([bytes(g.wkb) for _i, g in footprints])) if footprints else None

    def buildings_at(self, lon: float, lat: float) -> list[int]:
        """Assigned buildings whose footprint covers the point (edge included)."""
        if self.footprints is None:
            return []
        import shapely

        return self.footprint_ids[self.footprints.query(shapely.Point(lon, lat), predicate="intersects")].tolist()

    def nearest_index(self):
        if self._nearest is None:
            import shapely
            from pyproj import Transformer

            from layers.models import ServiceAreaPart

            parts = list(ServiceAreaPart.objects.values_list("area_id", "geom"))
            to_metric = Transformer.from_crs(STORAGE_SRID, METRIC_SRID, always_xy=True)
            geoms = shapely.transform(shapely.from_wkb([bytes(g.wkb) for _a, g in parts]),
                                      lambda xy: np.column_stack(to_metric.transform(xy[:, 0], xy[:, 1])))
            self._nearest = (shapely.STRtree(geoms), geoms, np.array([a for a, _g in parts], dtype=np.int64), to_metric)
        return self._nearest


_registries: dict[tuple[str, int], _Registry] = {}
_registries_lock = threading.Lock()


def _registry(version: int | None) -> _Registry:
    """The in-memory registry at a version of this database; loaded once per version (a few are kept)."""
    key = (connection.settings_dict["NAME"], version) if version is not None else None
    cached = _registries.get(key) if key is not None else None
    if cached is not None:
        return cached
    registry = _Registry()
    # Keep it only if nothing changed while loading (the version read before and after agree).
    if key is not None and _fetch(_VERSION_SQL, {})[0][0] == version:
        with _registries_lock:
            if len(_registries) >= 4:
                _registries.pop(next(iter(_registries)))
            _registries[key] = registry
    return registry


@dataclass(frozen=True)
class Decision:
    """Who serves one service kind at one place, and why."""

    service_kind: str  # ServiceKind.code
    outcome: str  # "assigned" | "gap" | "overlap"
    provider: Provider | None  # the chosen provider (None for a gap and for an undecided overlap)
    candidates: tuple[Provider, ...]  # overlap: all; gap: the nearest area's provider within 100 m
    area_id: int | None
    assignment_id: int | None
    rule: str  # "assignment" | "area" | "priority" | "nearest" | "none"
    reason: str  # human-readable (Ukrainian): which rule, which area

    @property
    def is_gap(self) -> bool:
        return self.outcome == GAP

    @property
    def needs_human(self) -> bool:
        return self.outcome != ASSIGNED


@dataclass(frozen=True)
class _Hit:
    row_id: int
    priority: int
    label: str
    provider: Provider


def _fetch(sql: str, params: dict) -> list[tuple]:
    """Run one routing statement as a server-side prepared statement (parsed and planned once per connection)."""
    return fetch_prepared(sql, params)


def _today() -> date:
    return timezone.localdate()


def service_kind_names() -> dict[str, str]:
    """Service-kind code → Ukrainian name, from the registry the last lookup on this database used.

    For display next to decisions (a rename shows after the next lookup); queries only when no
    lookup has run yet.
    """
    name = connection.settings_dict["NAME"]
    for (db, _version), registry in reversed(list(_registries.items())):
        if db == name:
            return dict(registry.kind_names)
    from layers.models import ServiceKind

    return dict(ServiceKind.objects.values_list("code", "name_uk"))


def route_point(*, lon: float, lat: float, service_kinds: Sequence[str] | None = None,
                at: date | None = None) -> list[Decision]:
    """Route a point (lon, lat in EPSG:4326). A building whose footprint covers the point lends its assignments."""
    return _route(lon=lon, lat=lat, building_id=None, service_kinds=service_kinds, at=at)


def route_building(*, building: Building, service_kinds: Sequence[str] | None = None,
                   at: date | None = None) -> list[Decision]:
    """Route a building: its assignments first, then the areas covering its representative point."""
    return _route(lon=building.point.x, lat=building.point.y, building_id=building.pk,
                  service_kinds=service_kinds, at=at)


def route_building_id(*, building_id: int, service_kinds: Sequence[str] | None = None,
                      at: date | None = None) -> tuple[BuildingBrief | None, list[Decision]]:
    """A building by id and its routing, in one statement; (None, []) when there is no such building."""
    rows = _fetch(_BUILDING_SQL, {"building": int(building_id)})
    if not rows:
        return None, []
    *fields, version, area_ids = rows[0]
    brief = BuildingBrief(*fields)
    return brief, _route(lon=brief.lon, lat=brief.lat, building_id=brief.id, service_kinds=service_kinds, at=at,
                         covering=(version, area_ids))


def route_category(*, category: Category, building: Building | None = None, lon: float | None = None,
                   lat: float | None = None, at: date | None = None) -> list[Decision]:
    """Route an appeal category: one decision per service kind the category names (none for a consultation).

    Give a building, or lon and lat (a street-level problem: a pothole, a street light).
    """
    kinds = sorted(k.pk for k in category.service_kinds.all())  # a caller's prefetch is used, if it made one
    if not kinds:
        return []
    if building is not None:
        return route_building(building=building, service_kinds=kinds, at=at)
    if lon is None or lat is None:
        raise ValueError("route_category needs a building or both lon and lat")
    return route_point(lon=lon, lat=lat, service_kinds=kinds, at=at)


def _route(*, lon: float, lat: float, building_id: int | None, service_kinds: Sequence[str] | None,
           at: date | None, covering: tuple[int, list[int]] | None = None) -> list[Decision]:
    at = at or _today()
    version, area_ids = covering or _fetch(_LOOKUP_SQL, {"lon": float(lon), "lat": float(lat)})[0]
    reg = _registry(version)
    building_ids = [building_id] if building_id is not None else reg.buildings_at(float(lon), float(lat))
    kinds = sorted(dict.fromkeys(service_kinds)) if service_kinds is not None else reg.kinds
    wanted = set(kinds)
    area_hits: dict[str, list[_Hit]] = {}
    for area_id in sorted(set(area_ids)):  # several parts of one area may cover the point
        area = reg.areas.get(area_id)
        if area is None or not _valid(area, at):
            continue
        for kind in area.kinds & wanted:
            area_hits.setdefault(kind, []).append(_Hit(row_id=area.id, priority=area.priority, label=area.name,
                                                       provider=area.provider))
    assignment_hits: dict[str, list[_Hit]] = {}
    for b_id in building_ids:
        for s in reg.assignments.get(b_id, ()):
            if _valid(s, at):
                for kind in s.kinds & wanted:
                    assignment_hits.setdefault(kind, []).append(_Hit(row_id=s.id, priority=0, label="",
                                                                     provider=s.provider))
    decisions: dict[str, Decision] = {}
    gaps: list[str] = []
    for kind in kinds:
        if kind in assignment_hits:
            decisions[kind] = _from_assignments(kind, assignment_hits[kind])
        elif kind in area_hits:
            decisions[kind] = _from_areas(kind, area_hits[kind])
        else:
            gaps.append(kind)
    if gaps:
        # A kind with no area at all has nothing to suggest: no search for it.
        decisions.update(_gaps(reg, lon=float(lon), lat=float(lat), kinds=[k for k in gaps if k in reg.layered], at=at))
        decisions.update(_gaps_without_candidates([k for k in gaps if k not in reg.layered]))
    return [decisions[kind] for kind in kinds]


def _from_assignments(kind: str, hits: list[_Hit]) -> Decision:
    hits = sorted(hits, key=lambda h: h.row_id)
    if len(hits) == 1:
        hit = hits[0]
        return Decision(service_kind=kind, outcome=ASSIGNED, provider=hit.provider, candidates=(hit.provider,),
                        area_id=None, assignment_id=hit.row_id, rule="assignment",
                        reason=f"Будинок закріплено за «{hit.provider}» (призначення №{hit.row_id}); "
                               f"призначення важливіше за зони обслуговування")
    names = ", ".join(f"«{h.provider}»" for h in hits)
    return Decision(service_kind=kind, outcome=OVERLAP, provider=None, candidates=tuple(h.provider for h in hits),
                    area_id=None, assignment_id=None, rule="none",
                    reason=f"Будинок закріплено одразу за кількома виконавцями ({names}): вирішує людина")


def _from_areas(kind: str, hits: list[_Hit]) -> Decision:
    hits = sorted(hits, key=lambda h: (-h.priority, h.row_id))
    candidates = tuple(h.provider for h in hits)
    top = hits[0]
    if len(hits) == 1:
        return Decision(service_kind=kind, outcome=ASSIGNED, provider=top.provider, candidates=candidates,
                        area_id=top.row_id, assignment_id=None, rule="area",
                        reason=f"Точка в зоні «{top.label}» (№{top.row_id}) виконавця «{top.provider}»")
    if hits[1].priority < top.priority:
        others = ", ".join(f"«{h.label}» ({h.priority})" for h in hits[1:])
        return Decision(service_kind=kind, outcome=ASSIGNED, provider=top.provider, candidates=candidates,
                        area_id=top.row_id, assignment_id=None, rule="priority",
                        reason=f"Точку покривають кілька зон; найвищий пріоритет ({top.priority}) у зоні "
                               f"«{top.label}» (№{top.row_id}) виконавця «{top.provider}», інші: {others}")
    tied = ", ".join(f"«{h.label}» (№{h.row_id}, «{h.provider}»)" for h in hits if h.priority == top.priority)
    return Decision(service_kind=kind, outcome=OVERLAP, provider=None, candidates=candidates,
                    area_id=None, assignment_id=None, rule="none",
                    reason=f"Зони перекриваються з однаковим пріоритетом {top.priority}: {tied}; вирішує людина")


def _gaps(reg: _Registry, *, lon: float, lat: float, kinds: list[str], at: date) -> dict[str, Decision]:
    """For each kind, the nearest valid area within NEAREST_LIMIT_M (metres in METRIC_SRID), as a suggestion."""
    if not kinds:
        return {}
    import shapely

    tree, geoms, part_areas, to_metric = reg.nearest_index()
    x, y = to_metric.transform(lon, lat)
    point = shapely.Point(x, y)
    idx = tree.query(point, predicate="dwithin", distance=NEAREST_LIMIT_M)
    best: dict[str, tuple[float, int]] = {}
    for i, dist in zip(idx.tolist(), shapely.distance(geoms[idx], point).tolist(), strict=True):
        area = reg.areas.get(int(part_areas[i]))
        if area is None or not _valid(area, at):
            continue
        for kind in area.kinds.intersection(kinds):
            if (dist, area.id) < best.get(kind, (math.inf, 0)):
                best[kind] = (dist, area.id)
    out: dict[str, Decision] = {}
    for kind in kinds:
        if kind in best:
            dist, area_id = best[kind]
            area = reg.areas[area_id]
            out[kind] = Decision(service_kind=kind, outcome=GAP, provider=None, candidates=(area.provider,),
                                 area_id=None, assignment_id=None, rule="nearest",
                                 reason=f"Жодна зона цього виду не покриває точку; найближча — «{area.name}» "
                                        f"(№{area.id}) виконавця «{area.provider}» за {dist:.0f} м: потрібне рішення людини")
        else:
            out.update(_gaps_without_candidates([kind]))
    return out


def _gaps_without_candidates(kinds: list[str]) -> dict[str, Decision]:
    return {kind: Decision(service_kind=kind, outcome=GAP, provider=None, candidates=(), area_id=None,
                           assignment_id=None, rule="none",
                           reason=f"Жодна зона цього виду не покриває точку і немає зони ближче "
                                  f"{NEAREST_LIMIT_M:.0f} м: потрібне рішення людини")
            for kind in kinds}
