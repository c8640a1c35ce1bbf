"""Writes on outages: declare, change, confirm, resolve, cancel, and the affected buildings.

Every function takes keyword-only arguments and runs in one transaction: a refused input writes
nothing. The area comes as GeoJSON in EPSG:4326, as building ids (their footprints' union) or as a
service area; a self-intersecting polygon is repaired with make_valid and the repair reported
(house rule 3), anything else that is not a polygon inside the hromada is refused.

The workflows that also touch appeals (linking calls, resolving the linked appeals, notifying the
subscribed callers) are in appeals.outage_services, which calls these.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import shapely
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from shapely.geometry import shape

from gis.geometry import UKRAINE_BBOX, GeometryError, repair_polygonal
from gis.srid import STORAGE_SRID
from layers.models import Boundary, Building, Category, Provider, ServiceArea, ServiceKind
from outages.errors import InvalidArea, InvalidTransition, OutageError, UnknownBuilding
from outages.models import (
    AreaSource,
    Outage,
    OutageAction,
    OutageBuilding,
    OutageEvent,
    OutageKind,
    OutageStatus,
)

# status → the statuses it may move to
TRANSITIONS = {
    OutageStatus.SUSPECTED: (OutageStatus.CONFIRMED, OutageStatus.CANCELLED),
    OutageStatus.CONFIRMED: (OutageStatus.RESOLVED, OutageStatus.CANCELLED),
    OutageStatus.RESOLVED: (),
    OutageStatus.CANCELLED: (),
}

_ACCEPTED_CRS = {"EPSG:4326", "urn:ogc:def:crs:EPSG::4326", "urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:OGC::CRS84"}


@dataclass(frozen=True)
class AreaInput:
    """An area ready to store, and what was done to it on the way."""

    geom: MultiPolygon
    source: str
    repaired: bool = False
    notes: tuple[str, ...] = ()
    building_ids: tuple[int, ...] = ()
    service_area: ServiceArea | None = None


@dataclass
class OutageResult:
    outage: Outage
    repaired: bool = False
    notes: list[str] = field(default_factory=list)


def _geojson_area(value: object) -> AreaInput:
    """GeoJSON geometry (a dict or its text) in EPSG:4326 → a valid MultiPolygon; repairs are reported."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise InvalidArea("територія: це не GeoJSON", code="invalid_geojson") from exc
    if not isinstance(value, dict):
        raise InvalidArea("територія має бути геометрією GeoJSON", code="invalid_geojson")
    if value.get("type") == "Feature":
        value = value.get("geometry") or {}
    crs = value.get("crs")
    if crs is not None:
        name = (crs.get("properties") or {}).get("name", "") if isinstance(crs, dict) else ""
        if name not in _ACCEPTED_CRS:
            raise InvalidArea(f"територія має бути в EPSG:4326, а не «{name or crs}»", code="wrong_crs")
    try:
        geom = shape(value)
    except (KeyError, TypeError, ValueError, AttributeError, shapely.errors.GEOSException) as exc:
        raise InvalidArea("територія: неправильна геометрія GeoJSON", code="invalid_geojson") from exc
    if geom.is_empty:
        raise InvalidArea("територія порожня", code="empty_area")
    if geom.geom_type not in ("Polygon", "MultiPolygon", "GeometryCollection"):
        raise InvalidArea(f"територія має бути полігоном, а не {geom.geom_type}", code="not_polygonal")
    try:
        fixed, repaired = repair_polygonal(geom)
    except GeometryError as exc:
        raise InvalidArea("територія не містить жодного полігона", code="not_polygonal") from exc
    notes = ("межа перетинала сама себе: виправлено (make_valid)",) if repaired else ()
    return AreaInput(geom=GEOSGeometry(memoryview(fixed.wkb), srid=STORAGE_SRID), source=AreaSource.DRAWN, repaired=repaired,
                     notes=notes)


def _buildings_area(ids: Sequence[int]) -> AreaInput:
    try:
        wanted = sorted({int(i) for i in ids})
    except (TypeError, ValueError) as exc:
        raise UnknownBuilding("ідентифікатори будинків мають бути цілими числами") from exc
    if not wanted:
        raise InvalidArea("перелік будинків порожній", code="empty_area")
    found = dict(Building.objects.filter(pk__in=wanted).values_list("pk", "geom"))
    missing = [i for i in wanted if i not in found]
    if missing:
        raise UnknownBuilding("немає в реєстрі будинків з ідентифікаторами: " + ", ".join(map(str, missing[:20])))
    union = shapely.union_all(shapely.from_wkb([bytes(found[i].wkb) for i in wanted]))
    fixed, _ = repair_polygonal(union)
    return AreaInput(geom=GEOSGeometry(memoryview(fixed.wkb), srid=STORAGE_SRID), source=AreaSource.BUILDINGS,
                     building_ids=tuple(wanted))


def _service_area(area: ServiceArea | int) -> AreaInput:
    if not isinstance(area, ServiceArea):
        found = ServiceArea.objects.filter(pk=area).first()
        if found is None:
            raise InvalidArea(f"немає зони обслуговування №{area}", code="unknown_service_area")
        area = found
    return AreaInput(geom=area.geom, source=AreaSource.SERVICE_AREA, service_area=area)


def _check_inside_hromada(geom: MultiPolygon) -> None:
    """The area must meet the hromada (any Boundary row); without boundaries, Ukraine's envelope."""
    if Boundary.objects.exists():
        if not Boundary.objects.filter(geom__intersects=geom).exists():
            raise InvalidArea("територія поза межами громади", code="outside_hromada")
        return
    w, s, e, n = UKRAINE_BBOX
    x0, y0, x1, y1 = geom.extent
    if x0 < w or x1 > e or y0 < s or y1 > n:
        raise InvalidArea("територія поза межами громади (координати — lon, lat в EPSG:4326?)",
                          code="outside_hromada")


def resolve_area(*, area_geojson: object = None, building_ids: Sequence[int] | None = None,
                 service_area: ServiceArea | int | None = None) -> AreaInput:
    """Exactly one of the three forms of an area, checked (and repaired) for storing."""
    given = [x is not None and x != [] for x in (area_geojson, building_ids, service_area)]
    if sum(given) != 1:
        if building_ids == [] and sum(given) == 0:
            raise InvalidArea("перелік будинків порожній", code="empty_area")
        raise InvalidArea("задайте територію одним способом: area (GeoJSON), buildings або service_area",
                          code="area_required")
    if area_geojson is not None:
        result = _geojson_area(area_geojson)
    elif building_ids:
        result = _buildings_area(building_ids)
    else:
        result = _service_area(service_area)
    _check_inside_hromada(result.geom)
    return result


def _kinds(service_kinds: Sequence[str | ServiceKind]) -> list[ServiceKind]:
    codes = sorted({k.pk if isinstance(k, ServiceKind) else str(k) for k in service_kinds})
    if not codes:
        raise OutageError("потрібен вид послуги (service_kind)", code="service_kind_required")
    if all(isinstance(k, ServiceKind) and k.pk for k in service_kinds):
        return sorted({k.pk: k for k in service_kinds}.values(), key=lambda k: k.pk)  # rows already read
    found = list(ServiceKind.objects.filter(code__in=codes))
    missing = sorted(set(codes) - {k.pk for k in found})
    if missing:
        raise OutageError("невідомий вид послуги: " + ", ".join(missing), code="unknown_service_kind")
    return found


def _event(*, outage: Outage, actor, action: str, at: datetime, old: str = "", new: str = "", note: str = "") -> None:
    OutageEvent.objects.create(outage=outage, at=at, actor=actor if getattr(actor, "pk", None) else None,
                               action=action, old=old[:64], new=new[:64], note=note)


def _iso(value: datetime | None) -> str:
    return timezone.localtime(value).isoformat(timespec="minutes") if value else ""


# The affected buildings, set-based, with layers.routing's rules for every building at once:
# an assignment valid today beats areas (two assignments for a kind: an overlap, no provider);
# else the areas of the kind valid today whose subdivided parts cover the building's point, the
# highest priority winning when it is unique (a tie: an overlap, no provider). A building is affected
# when its footprint intersects the area and, if the outage names a provider, that provider is routed
# for one of the outage's kinds. (A building-list outage takes exactly its buildings: _DECLARED_SQL.)
_OUTAGE_ROW = """
o AS (SELECT id, area, provider_id FROM outages_outage WHERE id = %(outage)s),
"""
_STORED_KINDS = """
kinds AS (SELECT servicekind_id AS kind FROM outages_outage_service_kinds WHERE outage_id = %(outage)s),
"""
# A new outage's kinds are being inserted by the same statement (not visible to it yet): given as a parameter.
_GIVEN_KINDS = """
kinds AS (SELECT unnest(%(kinds)s::text[]) AS kind),
"""
_ROUTED_CTES = """
cand AS (
    SELECT b.id, b.point, coalesce(b.flats, 0) AS flats, coalesce(b.residents, 0) AS residents
    FROM layers_building b, o
    WHERE ST_Intersects(b.geom, o.area)
),
asg AS (
    SELECT a.building_id, sk.servicekind_id AS kind, count(*) AS n, min(a.provider_id) AS provider_id
    FROM cand c JOIN layers_buildingassignment a ON a.building_id = c.id
    JOIN layers_buildingassignment_service_kinds sk ON sk.buildingassignment_id = a.id
    WHERE sk.servicekind_id IN (SELECT kind FROM kinds)
      AND (a.valid_from IS NULL OR a.valid_from <= %(today)s) AND (a.valid_to IS NULL OR a.valid_to >= %(today)s)
    GROUP BY 1, 2
),
areas_k AS (
    SELECT sa.id, sa.priority, sa.provider_id, ssk.servicekind_id AS kind
    FROM layers_servicearea sa JOIN layers_servicearea_service_kinds ssk ON ssk.servicearea_id = sa.id
    WHERE ssk.servicekind_id IN (SELECT kind FROM kinds)
      AND (sa.valid_from IS NULL OR sa.valid_from <= %(today)s) AND (sa.valid_to IS NULL OR sa.valid_to >= %(today)s)
),
covering AS (
    -- Only the parts of areas of the outage's kinds are tested (the cheap id test before ST_Covers).
    SELECT DISTINCT c.id AS building_id, ak.kind, ak.id AS area_id, ak.priority, ak.provider_id
    FROM cand c
    JOIN layers_serviceareapart p
      ON p.area_id = ANY(ARRAY(SELECT id FROM areas_k)) AND ST_Covers(p.geom, c.point)
    JOIN areas_k ak ON ak.id = p.area_id
),
ranked AS (
    SELECT building_id, kind, provider_id,
           rank() OVER (PARTITION BY building_id, kind ORDER BY priority DESC) AS r
    FROM covering
),
top AS (
    SELECT building_id, kind, count(*) AS n, min(provider_id) AS provider_id FROM ranked WHERE r = 1 GROUP BY 1, 2
),
routed AS (
    SELECT c.id AS building_id,
           CASE WHEN asg.building_id IS NOT NULL THEN CASE WHEN asg.n = 1 THEN asg.provider_id END
                WHEN top.n = 1 THEN top.provider_id END AS provider_id
    FROM cand c CROSS JOIN kinds k
    LEFT JOIN asg ON asg.building_id = c.id AND asg.kind = k.kind
    LEFT JOIN top ON top.building_id = c.id AND top.kind = k.kind
),
"""
_AFFECTED_INSERT = """
INSERT INTO outages_outagebuilding (outage_id, building_id, flats, residents)
SELECT %(outage)s, c.id, c.flats, c.residents FROM cand c, o
WHERE o.provider_id IS NULL
   OR EXISTS (SELECT 1 FROM routed r WHERE r.building_id = c.id AND r.provider_id = o.provider_id)
"""

_DECLARED_INSERT = """
INSERT INTO outages_outagebuilding (outage_id, building_id, flats, residents)
SELECT %(outage)s, b.id, coalesce(b.flats, 0), coalesce(b.residents, 0) FROM layers_building b
WHERE b.id = ANY(%(ids)s)
"""

# The rows and the outage's sums in one statement (one round trip): the sums are those of the rows just
# inserted, which are all the outage's rows (recompute_affected deletes the old ones first).
_WITH_SUMS = """
WITH {ctes} ins AS ({insert} RETURNING flats, residents)
UPDATE outages_outage SET affected_buildings = s.n, affected_flats = s.flats, affected_residents = s.residents
FROM (SELECT count(*) AS n, coalesce(sum(flats), 0) AS flats, coalesce(sum(residents), 0) AS residents FROM ins) s
WHERE outages_outage.id = %(outage)s
RETURNING s.n, s.flats, s.residents
"""
_AFFECTED_SQL = _WITH_SUMS.format(ctes=_OUTAGE_ROW + _STORED_KINDS + _ROUTED_CTES, insert=_AFFECTED_INSERT)
# An outage that names no provider (every suspected one) takes every building its area meets: the same rows
# as above without the routing CTEs, which such an outage never reads but whose planning cost ~4 ms a statement
# (more than running it).
_CAND_ONLY = """
cand AS (
    SELECT b.id, coalesce(b.flats, 0) AS flats, coalesce(b.residents, 0) AS residents
    FROM layers_building b, o
    WHERE ST_Intersects(b.geom, o.area)
),
"""
_ALL_IN_AREA_INSERT = """
INSERT INTO outages_outagebuilding (outage_id, building_id, flats, residents)
SELECT %(outage)s, c.id, c.flats, c.residents FROM cand c
"""
_AFFECTED_ALL_SQL = _WITH_SUMS.format(ctes=_OUTAGE_ROW + _CAND_ONLY, insert=_ALL_IN_AREA_INSERT)
_DECLARED_SQL = _WITH_SUMS.format(ctes="", insert=_DECLARED_INSERT)

# A new outage (its row just inserted): its kinds, its first history events, its affected buildings and their
# sums in one statement, one round trip instead of four.
_NEW_KINDS_AND_EVENTS = """
new_kinds AS (
    INSERT INTO outages_outage_service_kinds (outage_id, servicekind_id) SELECT %(outage)s, unnest(%(kinds)s::text[])
),
new_events AS (
    INSERT INTO outages_outageevent (outage_id, at, actor_id, action, old, new, note)
    SELECT %(outage)s, e.at, e.actor_id, e.action, e.old, e.new, e.note
    FROM json_to_recordset(%(events)s::json)
         AS e(i integer, at timestamptz, actor_id integer, action text, old text, new text, note text)
    ORDER BY e.i
),
"""
_NEW_AFFECTED_SQL = _WITH_SUMS.format(ctes=_NEW_KINDS_AND_EVENTS + _OUTAGE_ROW + _GIVEN_KINDS + _ROUTED_CTES,
                                      insert=_AFFECTED_INSERT)
_NEW_AFFECTED_ALL_SQL = _WITH_SUMS.format(ctes=_NEW_KINDS_AND_EVENTS + _OUTAGE_ROW + _CAND_ONLY,
                                          insert=_ALL_IN_AREA_INSERT)
_NEW_DECLARED_SQL = _WITH_SUMS.format(ctes=_NEW_KINDS_AND_EVENTS, insert=_DECLARED_INSERT)


def recompute_affected(*, outage: Outage) -> Outage:
    """Replace the outage's OutageBuilding rows and its sums (one transaction, in PostGIS).

    A building-list outage affects exactly the listed buildings; any other area uses the rules above.
    """
    with transaction.atomic(savepoint=False):
        OutageBuilding.objects.filter(outage=outage).delete()
        with connection.cursor() as cur:
            if outage.area_source == AreaSource.BUILDINGS and outage.declared_buildings:
                cur.execute(_DECLARED_SQL, {"outage": outage.pk, "ids": [int(i) for i in outage.declared_buildings]})
            else:
                cur.execute(_AFFECTED_SQL if outage.provider_id else _AFFECTED_ALL_SQL,
                            {"outage": outage.pk, "today": timezone.localdate()})
            outage.affected_buildings, outage.affected_flats, outage.affected_residents = cur.fetchone()
    return outage


def _fill_new(*, outage: Outage, kinds: Sequence[ServiceKind], events: list[OutageEvent]) -> None:
    """A new outage's kinds, events and affected buildings with their sums (_NEW_AFFECTED_SQL)."""
    rows = [{"i": i, "at": e.at.isoformat(), "actor_id": e.actor_id, "action": e.action, "old": e.old[:64],
             "new": e.new[:64], "note": e.note} for i, e in enumerate(events)]
    params = {"outage": outage.pk, "kinds": [k.pk for k in kinds], "events": json.dumps(rows),
              "today": timezone.localdate()}
    with connection.cursor() as cur:
        if outage.area_source == AreaSource.BUILDINGS and outage.declared_buildings:
            cur.execute(_NEW_DECLARED_SQL, {**params, "ids": [int(i) for i in outage.declared_buildings]})
        else:
            cur.execute(_NEW_AFFECTED_SQL if outage.provider_id else _NEW_AFFECTED_ALL_SQL, params)
        outage.affected_buildings, outage.affected_flats, outage.affected_residents = cur.fetchone()


def _check_times(*, started_at: datetime, expected_end: datetime | None) -> None:
    if expected_end is not None and expected_end <= started_at:
        raise OutageError("очікуване відновлення має бути пізніше за початок", code="expected_end_before_start")


def declare_outage(*, service_kinds: Sequence[str | ServiceKind], actor=None, provider: Provider | int | None = None,
                   area_geojson: object = None, building_ids: Sequence[int] | None = None,
                   service_area: ServiceArea | int | None = None, kind: str = OutageKind.EMERGENCY,
                   cause: str = "", public_note: str = "", started_at: datetime | None = None,
                   expected_end: datetime | None = None, status: str = OutageStatus.CONFIRMED,
                   detected_category: Category | None = None, detected_buildings: int = 0,
                   detected_appeals: int = 0, area: AreaInput | None = None,
                   now: datetime | None = None) -> OutageResult:
    """Create an outage and compute its affected buildings; everything or nothing.

    ``area``: an area this code built itself and already checked (live detection's hull around appeals
    at registry buildings), stored as it is with its source, instead of one of the three input forms.
    """
    now = now or timezone.now()
    if kind not in OutageKind.values:
        raise OutageError(f"невідомий вид відключення «{kind}» (emergency або planned)", code="unknown_kind")
    if status not in (OutageStatus.SUSPECTED, OutageStatus.CONFIRMED):
        raise InvalidTransition("нове відключення може бути лише імовірним або підтвердженим")
    kinds = _kinds(service_kinds)
    if provider is not None and not isinstance(provider, Provider):
        found = Provider.objects.filter(pk=provider).first()
        if found is None:
            raise OutageError(f"немає виконавця №{provider}", code="unknown_provider")
        provider = found
    if area is None:
        area = resolve_area(area_geojson=area_geojson, building_ids=building_ids, service_area=service_area)
    if provider is None and area.service_area is not None:
        provider = area.service_area.provider
    started_at = started_at or now
    _check_times(started_at=started_at, expected_end=expected_end)
    with transaction.atomic(savepoint=False):  # a failure inside rolls back the caller's transaction too
        outage = Outage.objects.create(
            kind=kind, status=status, provider=provider, cause=cause, public_note=public_note, area=area.geom,
            area_source=area.source, service_area=area.service_area, declared_buildings=list(area.building_ids),
            started_at=started_at, expected_end=expected_end, detected_category=detected_category,
            detected_buildings=detected_buildings, detected_appeals=detected_appeals,
            created_at=now, created_by=actor if getattr(actor, "pk", None) else None, updated_at=now,
        )
        who = actor if getattr(actor, "pk", None) else None
        events = [OutageEvent(outage=outage, at=now, actor=who, action=OutageAction.CREATED, new=status,
                              note="; ".join(area.notes))]
        if expected_end is not None:
            events.append(OutageEvent(outage=outage, at=now, actor=who, action=OutageAction.EXPECTED_END,
                                      new=_iso(expected_end)))
        _fill_new(outage=outage, kinds=kinds, events=events)
    return OutageResult(outage=outage, repaired=area.repaired, notes=list(area.notes))


def _locked(outage: Outage | int) -> Outage:
    return Outage.objects.select_for_update().get(pk=outage.pk if isinstance(outage, Outage) else outage)


_UNSET = object()


@dataclass(frozen=True)
class ChangeResult:
    outage: Outage
    expected_end_moved: bool = False
    area_changed: bool = False
    repaired: bool = False
    notes: tuple[str, ...] = ()


def change_outage(*, outage: Outage | int, actor=None, expected_end: object = _UNSET, public_note: str | None = None,
                  cause: str | None = None, area_geojson: object = None, building_ids: Sequence[int] | None = None,
                  service_area: ServiceArea | int | None = None, now: datetime | None = None) -> ChangeResult:
    """Change an open outage's expected end, note, cause or area (the affected buildings follow the area).

    Every change of the expected end and of the area is logged with who and when.
    """
    now = now or timezone.now()
    with transaction.atomic():
        o = _locked(outage)
        if not o.is_open:
            raise InvalidTransition(f"відключення вже {o.get_status_display()}: змінювати пізно")
        moved = area_changed = repaired = False
        notes: tuple[str, ...] = ()
        if expected_end is not _UNSET and expected_end != o.expected_end:
            _check_times(started_at=o.started_at, expected_end=expected_end)
            _event(outage=o, actor=actor, action=OutageAction.EXPECTED_END, at=now, old=_iso(o.expected_end),
                   new=_iso(expected_end))
            o.expected_end = expected_end
            moved = True
        if public_note is not None and public_note != o.public_note:
            _event(outage=o, actor=actor, action=OutageAction.NOTE, at=now, note=public_note)
            o.public_note = public_note
        if cause is not None:
            o.cause = cause
        if area_geojson is not None or building_ids is not None or service_area is not None:
            area = resolve_area(area_geojson=area_geojson, building_ids=building_ids, service_area=service_area)
            o.area, o.area_source, o.service_area = area.geom, area.source, area.service_area
            o.declared_buildings = list(area.building_ids)
            repaired, notes, area_changed = area.repaired, area.notes, True
            _event(outage=o, actor=actor, action=OutageAction.AREA, at=now, new=area.source, note="; ".join(notes))
        o.updated_at = now
        o.save()
        if area_changed:
            recompute_affected(outage=o)
    return ChangeResult(outage=o, expected_end_moved=moved, area_changed=area_changed, repaired=repaired, notes=notes)


def set_status(*, outage: Outage | int, actor=None, to_status: str, note: str = "",
               ended_at: datetime | None = None, now: datetime | None = None) -> Outage:
    """Confirm, resolve or cancel: suspected → confirmed → resolved, and either open status → cancelled."""
    now = now or timezone.now()
    with transaction.atomic():
        o = _locked(outage)
        if to_status not in TRANSITIONS.get(o.status, ()):
            raise InvalidTransition(
                f"відключення «{o.get_status_display()}» не може стати «{OutageStatus(to_status).label if to_status in OutageStatus.values else to_status}»")
        old = o.status
        o.status = to_status
        if to_status in (OutageStatus.RESOLVED, OutageStatus.CANCELLED):
            o.ended_at = ended_at or now
            if to_status == OutageStatus.RESOLVED and o.ended_at < o.started_at:
                raise OutageError("відключення не може завершитися раніше, ніж почалося", code="ended_before_start")
        if to_status == OutageStatus.RESOLVED and note:
            o.public_note = note
        o.updated_at = now
        o.save()
        _event(outage=o, actor=actor, action=OutageAction.STATUS, at=now, old=old, new=to_status, note=note)
    return o


@dataclass(frozen=True)
class Proposal:
    outage: Outage
    created: bool


# Detection's writes take this advisory lock (with the category's id) before they read the open outages:
# two intakes of one burst committing at once cannot both create a suspected outage, the second waits and
# then finds the first's (READ COMMITTED: its next statement sees it).
DETECTION_LOCK = 0x0E_C1_70_11  # the first key of pg_advisory_xact_lock(int, int); the category's id is the second

# The open outage a detected cluster joins, locked, grown when it is a suspected one whose area does not
# cover the hull, in one statement. Confirmed first ("confirmed" < "suspected"), then the newest. Growing
# only adds buildings (the union covers the old area; a suspected outage names no provider, so every
# building its area meets is affected): the new ones are inserted and added to the sums instead of
# recomputing all of them. A confirmed outage is left as declared (the caller links the appeals to it).
_JOIN_SUSPECTED_SQL = """
WITH h AS (SELECT ST_Multi(ST_Transform(ST_GeomFromEWKB(%(hull)s), 4326)) AS g),
c AS (
    SELECT o.id, o.status, o.area, o.provider_id, o.detected_buildings, o.detected_appeals
    FROM outages_outage o, h
    WHERE o.status IN ('suspected', 'confirmed') AND ST_Intersects(o.area, h.g)
      AND o.started_at <= %(now)s AND (o.ended_at IS NULL OR o.ended_at > %(now)s)
      AND EXISTS (SELECT 1 FROM outages_outage_service_kinds k
                  WHERE k.outage_id = o.id AND k.servicekind_id = ANY(%(kinds)s::text[]))
    ORDER BY o.status, o.started_at DESC, o.id DESC
    LIMIT 1
    FOR UPDATE OF o
),
grown AS (
    SELECT c.id, ST_Multi(ST_Union(c.area, h.g)) AS area FROM c, h
    WHERE c.status = 'suspected' AND c.provider_id IS NULL AND NOT ST_Covers(c.area, h.g)
),
added AS (
    INSERT INTO outages_outagebuilding (outage_id, building_id, flats, residents)
    SELECT g.id, b.id, coalesce(b.flats, 0), coalesce(b.residents, 0)
    FROM grown g JOIN layers_building b ON ST_Intersects(b.geom, g.area)
    ON CONFLICT (outage_id, building_id) DO NOTHING
    RETURNING flats, residents
),
s AS (SELECT count(*) AS n, coalesce(sum(flats), 0) AS flats, coalesce(sum(residents), 0) AS residents FROM added),
changed AS (
    UPDATE outages_outage o
    SET area = coalesce((SELECT area FROM grown), o.area),
        detected_buildings = greatest(o.detected_buildings, %(buildings)s),
        detected_appeals = greatest(o.detected_appeals, %(appeals)s),
        affected_buildings = o.affected_buildings + s.n, affected_flats = o.affected_flats + s.flats,
        affected_residents = o.affected_residents + s.residents, updated_at = %(now)s
    FROM c, s
    WHERE o.id = c.id AND c.status = 'suspected'
      AND (EXISTS (SELECT 1 FROM grown) OR %(buildings)s > c.detected_buildings OR %(appeals)s > c.detected_appeals)
    RETURNING o.*
)
SELECT * FROM changed
UNION ALL
SELECT o.* FROM outages_outage o JOIN c ON c.id = o.id WHERE NOT EXISTS (SELECT 1 FROM changed)
"""

# A new suspected outage in one statement: its row, kinds, first history event, affected buildings (every
# building the hull meets: no provider) and their sums. The id is taken first so the rows that refer to it
# go in with it (their foreign keys are checked at commit). What declare_outage writes for such an outage.
_NEW_SUSPECTED_SQL = """
WITH h AS (SELECT ST_Multi(ST_Transform(ST_GeomFromEWKB(%(hull)s), 4326)) AS g),
v AS (SELECT CASE WHEN ST_IsValid(h.g) THEN h.g ELSE ST_Multi(ST_CollectionExtract(ST_MakeValid(h.g), 3)) END AS g
      FROM h),
nid AS (SELECT nextval(pg_get_serial_sequence('outages_outage', 'id')) AS id),
new_kinds AS (
    INSERT INTO outages_outage_service_kinds (outage_id, servicekind_id)
    SELECT nid.id, unnest(%(kinds)s::text[]) FROM nid
),
new_event AS (
    INSERT INTO outages_outageevent (outage_id, at, actor_id, action, old, new, note)
    SELECT nid.id, %(now)s, NULL, %(created)s, '', %(status)s, '' FROM nid
),
ins AS (
    INSERT INTO outages_outagebuilding (outage_id, building_id, flats, residents)
    SELECT nid.id, b.id, coalesce(b.flats, 0), coalesce(b.residents, 0)
    FROM nid, v JOIN layers_building b ON ST_Intersects(b.geom, v.g)
    RETURNING flats, residents
),
s AS (SELECT count(*) AS n, coalesce(sum(flats), 0) AS flats, coalesce(sum(residents), 0) AS residents FROM ins)
INSERT INTO outages_outage (id, kind, status, provider_id, cause, public_note, area, area_source, service_area_id,
                            declared_buildings, started_at, expected_end, ended_at, detected_category_id,
                            detected_buildings, detected_appeals, affected_buildings, affected_flats,
                            affected_residents, created_at, created_by_id, updated_at)
SELECT nid.id, %(kind)s, %(status)s, NULL, %(cause)s, '', v.g, %(source)s, NULL, '[]'::jsonb, %(now)s, NULL, NULL,
       %(category)s, %(buildings)s, %(appeals)s, s.n, s.flats, s.residents, %(now)s, NULL, %(now)s
FROM nid, v, s
RETURNING *
"""


def propose_suspected(*, category: Category, hull: GEOSGeometry, buildings: int, appeals: int,
                      now: datetime | None = None) -> Proposal:
    """A suspected outage for a cluster found by detection: a new one, or the open one it grows.

    An open outage of the category's service kinds whose area meets the hull takes it: a suspected
    one grows to the union and its counts are updated; a confirmed one is left as declared (the
    appeals are linked to it by the caller). hull is a polygon with its SRID (detection's is in the
    metric CRS; PostGIS transforms it). Three statements: the category's advisory lock, the join, and
    the creation when there was nothing to join.
    """
    now = now or timezone.now()
    every = list(category.service_kinds.all())
    kinds = [k for k in every if not k.in_house] or every
    if not kinds:
        raise OutageError("категорія без виду послуги не буває відключенням", code="no_service_kind")
    params = {"hull": bytes(hull.ewkb), "now": now, "kinds": sorted(k.pk for k in kinds), "buildings": int(buildings),
              "appeals": int(appeals)}
    with transaction.atomic(savepoint=False):  # nothing here is caught and retried: all of it or none
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s, %s)", [DETECTION_LOCK, category.pk])
        existing = list(Outage.objects.raw(_JOIN_SUSPECTED_SQL, params))
        if existing:
            return Proposal(outage=existing[0], created=False)
        cause = f"виявлено автоматично: «{category.name_uk}» з {buildings} будинків ({appeals} звернень)"
        (outage,) = Outage.objects.raw(_NEW_SUSPECTED_SQL, {
            **params, "cause": cause, "category": category.pk, "kind": OutageKind.EMERGENCY.value,
            "status": OutageStatus.SUSPECTED.value, "source": AreaSource.DETECTED.value,
            "created": OutageAction.CREATED.value})
        return Proposal(outage=outage, created=True)


def _begun(now: datetime) -> Q:
    """Outages that have begun and not ended (a planned one ahead of its start does not take a live cluster)."""
    return Q(started_at__lte=now) & (Q(ended_at__isnull=True) | Q(ended_at__gt=now))
