"""Registry health: where routing would need a human.

- gaps: buildings that no valid area of a kind covers and no assignment serves (only for kinds
  that have at least one area; a kind with no areas at all is reported once, as a missing layer);
- overlaps: buildings covered by several areas of one kind (decided by priority or not);
- buildings without an ОСББ or housing office (apartment blocks by default: private houses have none);
- areas that cover no building.

One spatial join of building points against the subdivided area parts answers the first three.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from django.db import connection
from django.utils import timezone

_COVER_SQL = """
WITH cover AS (
    SELECT DISTINCT b.id AS building_id, ak.servicekind_id AS kind, a.id AS area_id, a.priority
    FROM layers_building b
    JOIN layers_serviceareapart p ON ST_Covers(p.geom, b.point)
    JOIN layers_servicearea a ON a.id = p.area_id
    JOIN layers_servicearea_service_kinds ak ON ak.servicearea_id = a.id
    WHERE (a.valid_from IS NULL OR a.valid_from <= %(at)s) AND (a.valid_to IS NULL OR a.valid_to >= %(at)s)
),
assigned AS (
    SELECT DISTINCT ba.building_id, sk.servicekind_id AS kind
    FROM layers_buildingassignment ba
    JOIN layers_buildingassignment_service_kinds sk ON sk.buildingassignment_id = ba.id
    WHERE (ba.valid_from IS NULL OR ba.valid_from <= %(at)s) AND (ba.valid_to IS NULL OR ba.valid_to >= %(at)s)
),
layered AS (SELECT DISTINCT kind FROM cover)
SELECT 'gap', l.kind, b.id, NULL::bigint[], NULL::int[], b.kind
FROM layered l CROSS JOIN layers_building b
WHERE NOT EXISTS (SELECT 1 FROM cover c WHERE c.building_id = b.id AND c.kind = l.kind)
  AND NOT EXISTS (SELECT 1 FROM assigned s WHERE s.building_id = b.id AND s.kind = l.kind)
UNION ALL
SELECT 'overlap', c.kind, c.building_id, array_agg(c.area_id ORDER BY c.priority DESC, c.area_id),
       array_agg(c.priority ORDER BY c.priority DESC, c.area_id), NULL
FROM cover c
WHERE NOT EXISTS (SELECT 1 FROM assigned s WHERE s.building_id = c.building_id AND s.kind = c.kind)
GROUP BY c.kind, c.building_id HAVING count(*) > 1
ORDER BY 1, 2, 3
"""

_NO_HOUSING_SQL = """
SELECT b.id FROM layers_building b
WHERE b.kind = ANY(%(building_kinds)s)
  AND NOT EXISTS (
    SELECT 1 FROM layers_buildingassignment ba JOIN layers_provider pr ON pr.id = ba.provider_id
    WHERE ba.building_id = b.id AND pr.kind = ANY(%(provider_kinds)s)
      AND (ba.valid_from IS NULL OR ba.valid_from <= %(at)s) AND (ba.valid_to IS NULL OR ba.valid_to >= %(at)s))
  AND NOT EXISTS (
    SELECT 1 FROM layers_serviceareapart p JOIN layers_servicearea a ON a.id = p.area_id
    JOIN layers_provider pr ON pr.id = a.provider_id
    WHERE ST_Covers(p.geom, b.point) AND pr.kind = ANY(%(provider_kinds)s)
      AND (a.valid_from IS NULL OR a.valid_from <= %(at)s) AND (a.valid_to IS NULL OR a.valid_to >= %(at)s))
ORDER BY b.id
"""

_EMPTY_AREAS_SQL = """
SELECT a.id FROM layers_servicearea a
WHERE NOT EXISTS (
    SELECT 1 FROM layers_serviceareapart p JOIN layers_building b ON ST_Covers(p.geom, b.point) WHERE p.area_id = a.id)
ORDER BY a.id
"""

_KINDS_WITHOUT_AREAS_SQL = """
SELECT k.code FROM layers_servicekind k
WHERE NOT EXISTS (
    SELECT 1 FROM layers_servicearea_service_kinds ak JOIN layers_servicearea a ON a.id = ak.servicearea_id
    WHERE ak.servicekind_id = k.code
      AND (a.valid_from IS NULL OR a.valid_from <= %(at)s) AND (a.valid_to IS NULL OR a.valid_to >= %(at)s))
ORDER BY k.code
"""


@dataclass(frozen=True)
class Overlap:
    service_kind: str
    building_id: int
    area_ids: tuple[int, ...]  # highest priority first
    priorities: tuple[int, ...]

    @property
    def decided_by_priority(self) -> bool:
        return self.priorities[0] > self.priorities[1]


@dataclass
class HealthReport:
    at: date
    gaps: dict[str, list[int]] = field(default_factory=dict)  # service kind → building ids
    # service kind → building kind → number of gaps (private houses have no lift or central heating)
    gap_building_kinds: dict[str, dict[str, int]] = field(default_factory=dict)
    overlaps: list[Overlap] = field(default_factory=list)
    without_housing: list[int] = field(default_factory=list)  # building ids with no ЖЕК / ОСББ
    empty_areas: list[int] = field(default_factory=list)  # area ids covering no building
    kinds_without_areas: list[str] = field(default_factory=list)

    @property
    def undecided_overlaps(self) -> list[Overlap]:
        return [o for o in self.overlaps if not o.decided_by_priority]

    def summary(self) -> dict[str, object]:
        return {
            "at": self.at.isoformat(),
            "gaps": {kind: len(ids) for kind, ids in self.gaps.items()},
            "gaps_by_building_kind": self.gap_building_kinds,
            "overlaps": len(self.overlaps),
            "undecided_overlaps": len(self.undecided_overlaps),
            "without_housing": len(self.without_housing),
            "empty_areas": len(self.empty_areas),
            "kinds_without_areas": list(self.kinds_without_areas),
        }


def registry_health(*, at: date | None = None, building_kinds: Sequence[str] = ("apartment",)) -> HealthReport:
    """The health report of the routing registry at a date (today in Kyiv by default)."""
    at = at or timezone.localdate()
    report = HealthReport(at=at)
    params = {"at": at, "building_kinds": list(building_kinds), "provider_kinds": ["housing_office", "condominium"]}
    with connection.cursor() as cursor:
        cursor.execute(_COVER_SQL, params)
        for what, kind, building_id, area_ids, priorities, building_kind in cursor.fetchall():
            if what == "gap":
                report.gaps.setdefault(kind, []).append(building_id)
                by_kind = report.gap_building_kinds.setdefault(kind, {})
                by_kind[building_kind] = by_kind.get(building_kind, 0) + 1
            else:
                report.overlaps.append(Overlap(service_kind=kind, building_id=building_id,
                                               area_ids=tuple(area_ids), priorities=tuple(priorities)))
        cursor.execute(_NO_HOUSING_SQL, params)
        report.without_housing = [row[0] for row in cursor.fetchall()]
        cursor.execute(_EMPTY_AREAS_SQL)
        report.empty_areas = [row[0] for row in cursor.fetchall()]
        cursor.execute(_KINDS_WITHOUT_AREAS_SQL, params)
        report.kinds_without_areas = [row[0] for row in cursor.fetchall()]
    return report


_FEATURES_SQL = """
SELECT json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg(f), '[]'::json)) FROM (
    SELECT json_build_object('type', 'Feature', 'geometry', ST_AsGeoJSON(b.point, 6)::json,
        'properties', json_build_object('problem', x.problem, 'detail', x.detail, 'building_id', b.id)) AS f
    FROM unnest(%(b_ids)s::bigint[], %(b_problems)s::text[], %(b_details)s::text[]) AS x(id, problem, detail)
    JOIN layers_building b ON b.id = x.id
    UNION ALL
    SELECT json_build_object('type', 'Feature', 'geometry', ST_AsGeoJSON(ST_SimplifyPreserveTopology(a.geom, 0.00005), 6)::json,
        'properties', json_build_object('problem', 'empty_area', 'detail', a.name, 'area_id', a.id))
    FROM layers_servicearea a WHERE a.id = ANY(%(a_ids)s)
) AS q
"""


def health_geojson(report: HealthReport, *, limit: int = 5000) -> str:
    """The report's problems as one GeoJSON FeatureCollection for the admin map (at most `limit` buildings)."""
    rows: list[tuple[int, str, str]] = []
    for kind, ids in sorted(report.gaps.items()):
        rows.extend((i, "gap", kind) for i in ids)
    rows.extend((o.building_id, "overlap" if not o.decided_by_priority else "overlap_priority",
                 f"{o.service_kind}: {', '.join(map(str, o.area_ids))}") for o in report.overlaps)
    rows.extend((i, "without_housing", "") for i in report.without_housing)
    rows = rows[:limit]
    params = {"b_ids": [r[0] for r in rows], "b_problems": [r[1] for r in rows], "b_details": [r[2] for r in rows],
              "a_ids": list(report.empty_areas)}
    with connection.cursor() as cursor:
        cursor.execute(_FEATURES_SQL, params)
        (collection,) = cursor.fetchone()
    return collection if isinstance(collection, str) else json.dumps(collection)
