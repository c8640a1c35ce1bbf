"""Reads of outages: active ones at a building or point, the public layer, one outage.

"Active" is a confirmed outage that has started (a planned one begins at its started_at) and has not
ended; a suspected one is only a proposal to dispatchers (suspected_outages). At a building the
answer comes from the precomputed OutageBuilding rows (one indexed join, no geometry); at a bare
point, from the area (`covers`, house rule 4).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.contrib.gis.geos import Point
from django.db.models import Q, QuerySet
from django.utils import timezone

from gis.srid import STORAGE_SRID
from outages.errors import OutageNotFound
from outages.models import Outage, OutageBuilding, OutageKind, OutageStatus


def _with_related(qs: QuerySet[Outage]) -> QuerySet[Outage]:
    return qs.select_related("provider").prefetch_related("service_kinds")


def _active(qs: QuerySet[Outage], now: datetime) -> QuerySet[Outage]:
    return qs.filter(status=OutageStatus.CONFIRMED, started_at__lte=now).filter(
        Q(ended_at__isnull=True) | Q(ended_at__gt=now))


@dataclass(frozen=True)
class OutageBrief:
    """What the intake check needs of an active outage (no area, no personal data)."""

    id: int
    kind: str
    status: str
    started_at: datetime
    expected_end: datetime | None
    public_note: str
    provider_name: str
    kind_codes: tuple[str, ...]
    affected_buildings: int
    provider_id: int | None = None


# One prepared statement: the building's OutageBuilding rows (index outagebuilding_building), their
# active outages, the provider's name and the service kinds; no geometry is read.
_BRIEF_SQL = """
SELECT o.id, o.kind, o.status, o.started_at, o.expected_end, o.public_note,
       coalesce(nullif(p.short_name, ''), p.name, ''),
       ARRAY(SELECT k.servicekind_id FROM outages_outage_service_kinds k WHERE k.outage_id = o.id
             ORDER BY k.servicekind_id),
       o.affected_buildings, o.provider_id
FROM outages_outagebuilding ob
JOIN outages_outage o ON o.id = ob.outage_id
LEFT JOIN layers_provider p ON p.id = o.provider_id
WHERE ob.building_id = %(building)s AND o.status = 'confirmed' AND o.started_at <= %(now)s
  AND (o.ended_at IS NULL OR o.ended_at > %(now)s)
ORDER BY o.started_at DESC, o.id DESC
"""


def active_outages_brief_at(*, building_id: int, now: datetime | None = None) -> list[OutageBrief]:
    """The intake check: active outages at a building, in one prepared, indexed statement."""
    import psycopg
    from django.db import connection

    params = {"building": int(building_id), "now": now or timezone.now()}
    connection.ensure_connection()
    raw = connection.connection
    if isinstance(raw, psycopg.Connection):
        with psycopg.Cursor(raw) as cur:
            cur.execute(_BRIEF_SQL, params, prepare=True)
            rows = cur.fetchall()
    else:  # another driver: plain execution
        with connection.cursor() as cur:
            cur.execute(_BRIEF_SQL, params)
            rows = cur.fetchall()
    return [OutageBrief(id=r[0], kind=r[1], status=r[2], started_at=r[3], expected_end=r[4], public_note=r[5],
                        provider_name=r[6], kind_codes=tuple(r[7]), affected_buildings=r[8],
                        provider_id=r[9]) for r in rows]


def active_outages_at(*, building_id: int | None = None, lon: float | None = None, lat: float | None = None,
                      service_kinds: Sequence[str] | None = None, now: datetime | None = None) -> list[Outage]:
    """Active outages covering a building (its OutageBuilding rows) or a point (the area), newest first."""
    now = now or timezone.now()
    qs = _active(Outage.objects.all(), now)
    if building_id is not None:
        # Two indexed look-ups (the building's rows, then those outages): no plan can turn this into a
        # scan of every outage's rows, whatever the statistics say.
        ids = list(OutageBuilding.objects.filter(building_id=building_id).values_list("outage_id", flat=True))
        if not ids:
            return []
        qs = qs.filter(pk__in=ids)
    elif lon is not None and lat is not None:
        qs = qs.filter(area__covers=Point(float(lon), float(lat), srid=STORAGE_SRID))
    else:
        return []
    if service_kinds:
        qs = qs.filter(service_kinds__in=list(service_kinds)).distinct()
    return list(_with_related(qs).order_by("-started_at", "-id"))


def suspected_outages(*, limit: int = 20) -> list[Outage]:
    """Suspected outages (found by detection) waiting for a dispatcher to confirm or cancel, newest first."""
    qs = Outage.objects.filter(status=OutageStatus.SUSPECTED).select_related("detected_category")
    return list(_with_related(qs).order_by("-updated_at", "-id")[:limit])


def open_outages(*, now: datetime | None = None) -> list[Outage]:
    """Everything the dispatcher's and analysts' maps draw: suspected and confirmed, not ended."""
    qs = Outage.objects.filter(status__in=[OutageStatus.SUSPECTED, OutageStatus.CONFIRMED])
    return list(_with_related(qs).order_by("-started_at", "-id"))


def get_outage(*, outage_id: int) -> Outage:
    found = _with_related(Outage.objects.filter(pk=outage_id)).first()
    if found is None:
        raise OutageNotFound(f"відключення №{outage_id} не знайдено")
    return found


def service_kind_label(outage: Outage) -> str:
    """The service kinds' Ukrainian names joined ("водопостачання, опалення").

    An OutageBrief (active_outages_brief_at) carries kind_codes, named from the routing registry's names.
    """
    codes = getattr(outage, "kind_codes", None)
    if codes is not None:  # an OutageBrief
        from layers.routing import service_kind_names

        names = service_kind_names()
        return ", ".join(names.get(c, c) for c in codes)
    return ", ".join(k.name_uk for k in sorted(outage.service_kinds.all(), key=lambda k: k.code))


def public_outages_geojson(*, now: datetime | None = None) -> dict:
    """The public layer: confirmed outages not ended, the planned ones ahead of time. No personal data.

    Properties are exactly: id, kind, service_kind, service_kind_name, provider_name, status, started_at,
    expected_end, public_note.
    """
    now = now or timezone.now()
    qs = (Outage.objects.filter(status=OutageStatus.CONFIRMED).filter(Q(ended_at__isnull=True) | Q(ended_at__gt=now))
          .filter(Q(started_at__lte=now) | Q(kind=OutageKind.PLANNED)))
    features = []
    for o in _with_related(qs).order_by("started_at", "id"):
        kinds = sorted(o.service_kinds.all(), key=lambda k: k.code)
        features.append({
            "type": "Feature",
            "id": o.pk,
            "geometry": json.loads(o.area.json),
            "properties": {
                "id": o.pk,
                "kind": o.kind,
                "service_kind": ",".join(k.code for k in kinds),
                "service_kind_name": ", ".join(k.name_uk for k in kinds),
                "provider_name": str(o.provider) if o.provider_id else "",
                "status": o.status,
                "started_at": timezone.localtime(o.started_at).isoformat(),
                "expected_end": timezone.localtime(o.expected_end).isoformat() if o.expected_end else None,
                "public_note": o.public_note,
            },
        })
    return {"type": "FeatureCollection", "features": features}
