"""Routing: building, point or category → the responsible provider per service kind.

Deterministic and explainable (STYLE.md rule 5). For each service kind, in order:

1. a BuildingAssignment of the building valid at the date beats any polygon (rule "assignment");
2. the service areas of that kind valid at the date whose subdivided parts `ST_Covers` the
   building's representative point (a point on a shared edge matches both areas):
   one area → "assigned" (rule "area"); several → the highest `priority` wins if it is unique
   ("assigned", rule "priority"), otherwise outcome "overlap" listing every candidate for a human;
3. no area → outcome "gap", with the nearest area of that kind within 100 m (measured on the
   spheroid, never in degrees) as a suggestion for a human (rule "nearest"), or none (rule "none").

One SQL statement answers steps 1-2 for every kind at once; a second one runs only when a kind
has a gap. Ties are broken by ids, so the same registry always gives the same answer.

>>> Decision(service_kind="water", outcome="gap", provider=None, candidates=(), area_id=None,
...          assignment_id=None, rule="none", reason="").is_gap
True
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import psycopg
from django.db import connection
from django.utils import timezone

from layers.models import Building, Category, Provider

ASSIGNED = "assigned"
GAP = "gap"
OVERLAP = "overlap"

# How far a gap looks for a neighbouring area to suggest (metres, on the spheroid).
NEAREST_LIMIT_M = 100.0

_PROVIDER_FIELDS = [f.attname for f in Provider._meta.concrete_fields]
_PROVIDER_COLUMNS = ", ".join(f"p.{f.column}" for f in Provider._meta.concrete_fields)

# Rows: (all service-kind codes, kinds that have any area, source, row id, priority, kind code, area name, provider columns...).
# The LEFT JOIN keeps one row with the kind list when nothing covers the point.
_ROUTE_SQL = f"""
WITH pt AS (SELECT ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326) AS g),
covering AS (
    SELECT DISTINCT part.area_id FROM layers_serviceareapart part, pt WHERE ST_Covers(part.geom, pt.g)
),
hits AS (
    SELECT 'area'::text AS src, a.id AS row_id, a.provider_id, a.priority, sk.servicekind_id AS kind,
           a.name AS label
    FROM covering c
    JOIN layers_servicearea a ON a.id = c.area_id
    JOIN layers_servicearea_service_kinds sk ON sk.servicearea_id = a.id
    WHERE (a.valid_from IS NULL OR a.valid_from <= %(at)s) AND (a.valid_to IS NULL OR a.valid_to >= %(at)s)
    UNION ALL
    SELECT 'assignment'::text, ba.id, ba.provider_id, 0, sk.servicekind_id, ''
    FROM layers_buildingassignment ba
    JOIN layers_buildingassignment_service_kinds sk ON sk.buildingassignment_id = ba.id
    WHERE ba.building_id IN (
            SELECT %(building_id)s::bigint WHERE %(building_id)s::bigint IS NOT NULL
            UNION ALL
            SELECT b.id FROM layers_building b, pt WHERE %(building_id)s::bigint IS NULL AND ST_Covers(b.geom, pt.g)
          )
      AND (ba.valid_from IS NULL OR ba.valid_from <= %(at)s) AND (ba.valid_to IS NULL OR ba.valid_to >= %(at)s)
)
SELECT k.codes, k.layered, h.src, h.row_id, h.priority, h.kind, h.label, {_PROVIDER_COLUMNS}
FROM (SELECT (SELECT array_agg(code ORDER BY code) FROM layers_servicekind) AS codes,
             (SELECT array_agg(DISTINCT servicekind_id) FROM layers_servicearea_service_kinds) AS layered) k
LEFT JOIN (hits h JOIN layers_provider p ON p.id = h.provider_id) ON true
"""

# The nearest area of each wanted kind within NEAREST_LIMIT_M. The && box (in degrees, generous)
# only lets the GiST index prefilter; the distance itself is measured on the spheroid.
_NEAREST_SQL = f"""
WITH pt AS (SELECT ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326) AS g),
near AS (
    SELECT part.area_id, min(ST_Distance(part.geom::geography, pt.g::geography)) AS dist
    FROM layers_serviceareapart part, pt
    WHERE part.geom && ST_Expand(pt.g, %(box_deg)s)
    GROUP BY part.area_id
)
SELECT DISTINCT ON (sk.servicekind_id) sk.servicekind_id, a.id, a.name, n.dist, {_PROVIDER_COLUMNS}
FROM near n
JOIN layers_servicearea a ON a.id = n.area_id
JOIN layers_servicearea_service_kinds sk ON sk.servicearea_id = a.id
JOIN layers_provider p ON p.id = a.provider_id
WHERE n.dist <= %(limit_m)s AND sk.servicekind_id = ANY(%(kinds)s)
  AND (a.valid_from IS NULL OR a.valid_from <= %(at)s) AND (a.valid_to IS NULL OR a.valid_to >= %(at)s)
ORDER BY sk.servicekind_id, n.dist, a.id
"""


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
    source: str  # "area" | "assignment"
    row_id: int
    priority: int
    label: str
    provider: Provider


_PHONES = _PROVIDER_FIELDS.index("phones")


def _provider(values: Sequence[object]) -> Provider:
    values = list(values)
    if isinstance(values[_PHONES], str):  # Django's psycopg loaders leave jsonb as text for JSONField to parse
        values[_PHONES] = json.loads(values[_PHONES])
    return Provider.from_db(connection.alias, _PROVIDER_FIELDS, values)


def _fetch(sql: str, params: dict) -> list[tuple]:
    """Run one routing statement as a server-side prepared statement (parsed and planned once per connection).

    Django's cursors bind parameters client-side, so every call would be parsed and planned again,
    which costs more than the lookup itself.
    """
    connection.ensure_connection()
    raw = connection.connection
    if isinstance(raw, psycopg.Connection):
        with psycopg.Cursor(raw) as cursor:
            cursor.execute(sql, params, prepare=True)
            return cursor.fetchall()
    with connection.cursor() as cursor:  # another driver: plain execution
        cursor.execute(sql, params)
        return cursor.fetchall()


def _today() -> date:
    return timezone.localdate()


def route_point(*, lon: float, lat: float, service_kinds: Sequence[str] | None = None,
                at: date | None = None) -> list[Decision]:
    """Route a point (lon, lat in EPSG:4326). A building whose footprint covers the point lends its assignments."""
    return _route(lon=lon, lat=lat, building_id=None, service_kinds=service_kinds, at=at)


def route_building(*, building: Building, service_kinds: Sequence[str] | None = None,
                   at: date | None = None) -> list[Decision]:
    """Route a building: its assignments first, then the areas covering its representative point."""
    return _route(lon=building.point.x, lat=building.point.y, building_id=building.pk,
                  service_kinds=service_kinds, at=at)


def route_category(*, category: Category, building: Building | None = None, lon: float | None = None,
                   lat: float | None = None, at: date | None = None) -> list[Decision]:
    """Route an appeal category: one decision per service kind the category names (none for a consultation).

    Give a building, or lon and lat (a street-level problem: a pothole, a street light).
    """
    kinds = sorted(category.service_kinds.values_list("code", flat=True))
    if not kinds:
        return []
    if building is not None:
        return route_building(building=building, service_kinds=kinds, at=at)
    if lon is None or lat is None:
        raise ValueError("route_category needs a building or both lon and lat")
    return route_point(lon=lon, lat=lat, service_kinds=kinds, at=at)


def _route(*, lon: float, lat: float, building_id: int | None, service_kinds: Sequence[str] | None,
           at: date | None) -> list[Decision]:
    at = at or _today()
    params = {"lon": float(lon), "lat": float(lat), "at": at, "building_id": building_id}
    rows = _fetch(_ROUTE_SQL, params)
    all_kinds = list(rows[0][0] or []) if rows else []
    layered = set(rows[0][1] or []) if rows else set()
    kinds = sorted(dict.fromkeys(service_kinds)) if service_kinds is not None else all_kinds
    area_hits: dict[str, list[_Hit]] = {}
    assignment_hits: dict[str, list[_Hit]] = {}
    for _codes, _layered, src, row_id, priority, kind, label, *provider_values in rows:
        if src is None:
            continue
        hit = _Hit(source=src, row_id=row_id, priority=priority, label=label, provider=_provider(provider_values))
        (assignment_hits if src == "assignment" else area_hits).setdefault(kind, []).append(hit)

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
        # A kind with no area at all has nothing to suggest: skip the second query for it.
        decisions.update(_gaps(lon=float(lon), lat=float(lat), kinds=[k for k in gaps if k in layered], at=at))
        decisions.update(_gaps_without_candidates([k for k in gaps if k not in layered]))
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


def _box_degrees(lat: float) -> float:
    """Half-size in degrees of a box certainly holding every point within NEAREST_LIMIT_M (index prefilter only)."""
    metres_per_degree_lon = 111_320.0 * max(math.cos(math.radians(min(abs(lat), 89.0))), 0.01)
    return 1.5 * NEAREST_LIMIT_M / metres_per_degree_lon


def _gaps(*, lon: float, lat: float, kinds: list[str], at: date) -> dict[str, Decision]:
    params = {"lon": lon, "lat": lat, "at": at, "kinds": kinds, "limit_m": NEAREST_LIMIT_M,
              "box_deg": _box_degrees(lat)}
    rows = _fetch(_NEAREST_SQL, params) if kinds else []
    nearest = {kind: (area_id, name, dist, _provider(values)) for kind, area_id, name, dist, *values in rows}
    out: dict[str, Decision] = {}
    for kind in kinds:
        if kind in nearest:
            area_id, name, dist, prov = nearest[kind]
            out[kind] = Decision(service_kind=kind, outcome=GAP, provider=None, candidates=(prov,),
                                 area_id=None, assignment_id=None, rule="nearest",
                                 reason=f"Жодна зона цього виду не покриває точку; найближча — «{name}» (№{area_id}) "
                                        f"виконавця «{prov}» за {dist:.0f} м: потрібне рішення людини")
        else:
            out.update(_gaps_without_candidates([kind]))
    return out


def _gaps_without_candidates(kinds: list[str]) -> dict[str, Decision]:
    return {kind: Decision(service_kind=kind, outcome=GAP, provider=None, candidates=(), area_id=None,
                           assignment_id=None, rule="none",
                           reason=f"Жодна зона цього виду не покриває точку і немає зони ближче "
                                  f"{NEAREST_LIMIT_M:.0f} м: потрібне рішення людини")
            for kind in kinds}
