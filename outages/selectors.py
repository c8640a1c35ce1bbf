"""Reads of outages: active ones at a building or point, the public layer, one outage.

"Active" is a confirmed outage that has started (a planned one begins at its started_at) and has not
ended; a suspected one is only a proposal to dispatchers (suspected_outages). At a building the
answer comes from the precomputed OutageBuilding rows (one indexed join, no geometry); at a bare
point, from the area (`covers`, house rule 4).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
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


def active_outages_brief_at(*, building_id: int, now: datetime | None = None) -> list[Outage]:
    """The intake check: active outages at a building in ONE indexed query, without their areas.

    Each outage carries `kind_codes` (its service kinds, sorted) and its provider; `service_kinds` is not
    prefetched (use kind_codes with layers.routing.service_kind_names()).
    """
    from django.contrib.postgres.aggregates import ArrayAgg
    from django.db.models import OuterRef, Subquery

    now = now or timezone.now()
    through = Outage.service_kinds.through
    codes = Subquery(through.objects.filter(outage_id=OuterRef("pk")).values("outage_id")
                     .annotate(codes=ArrayAgg("servicekind_id", order_by="servicekind_id")).values("codes"))
    qs = (_active(Outage.objects.filter(buildings__building_id=building_id), now).select_related("provider")
          .defer("area", "declared_buildings").annotate(kind_codes=codes).order_by("-started_at", "-id"))
    return list(qs)


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

    An outage from active_outages_brief_at carries kind_codes and is named from the routing registry's
    names (no query).
    """
    codes = getattr(outage, "kind_codes", None)
    if codes is not None:
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
