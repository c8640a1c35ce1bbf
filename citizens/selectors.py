"""Reads for residents' pages: public categories, the hromada, "already reported here", tracking.

Nothing here returns personal data except `own_appeal` (the applicant who gave the tracking code),
and even that masks it (phone's last digits only).
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.gis.db.models.functions import Distance, Transform
from django.contrib.gis.geos import Point
from django.contrib.gis.measure import D
from django.db.models import QuerySet
from django.utils import timezone

from appeals import precision
from appeals.models import OPEN_STATUSES, Appeal
from gis.srid import METRIC_SRID, STORAGE_SRID
from layers.models import Boundary, Building, Category, Neighbourhood

NEARBY_RADIUS_M = 150.0
# "Already reported" looks at open appeals of the last 30 days (older open ones are for the dispatcher).
NEARBY_WINDOW = timedelta(days=30)


def public_categories() -> QuerySet[Category]:
    """What a resident may file online: public, not consultation-only."""
    return Category.objects.filter(is_public=True, is_consultation=False).order_by("sort_order", "name_uk")


def within_hromada(*, lon: float, lat: float) -> bool:
    """Is the point in the hromada: covered by a Boundary (or, with none loaded, by a neighbourhood)?"""
    point = Point(float(lon), float(lat), srid=STORAGE_SRID)
    if Boundary.objects.exists():
        return Boundary.objects.filter(geom__covers=point).exists()
    if Neighbourhood.objects.exists():
        return Neighbourhood.objects.filter(geom__covers=point).exists()
    return True


@dataclass(frozen=True)
class NearbyAppeal:
    """An open appeal near the resident's place, as the public card shows it (no personal data)."""

    number: str
    status: str
    status_name: str
    category: str
    created_at: datetime
    address: str  # the public address (appeals.precision; never the typed text, which may carry a flat)
    distance_m: float


def nearby_open_appeals(*, category: Category, building: Building | None = None, lon: float | None = None,
                        lat: float | None = None, now: datetime | None = None, limit: int = 5) -> list[NearbyAppeal]:
    """Open appeals of this category at this building or within 150 m (metres, EPSG:32637), nearest first."""
    now = now or timezone.now()
    if building is not None:
        point = building.point
    elif lon is not None and lat is not None:
        point = Point(float(lon), float(lat), srid=STORAGE_SRID)
    else:
        return []
    metric = point.transform(METRIC_SRID, clone=True)
    qs = (Appeal.objects.filter(category=category, status__in=OPEN_STATUSES, created_at__gte=now - NEARBY_WINDOW,
                                duplicate_of__isnull=True)
          # A generous box in degrees for the index (150 m < 0.003° here); the test itself is metric.
          .filter(point__dwithin=(point, 0.005))
          .annotate(p_m=Transform("point", METRIC_SRID))
          .filter(p_m__distance_lte=(metric, D(m=NEARBY_RADIUS_M)))
          .annotate(d=Distance("p_m", metric))
          .select_related("building__street", "category")
          .order_by("d", "-created_at"))
    out = []
    for a in qs[:limit]:
        out.append(NearbyAppeal(number=a.number, status=a.status, status_name=a.get_status_display(),
                                category=a.category.name_uk, created_at=a.created_at,
                                address=precision.public_address(a.building) if a.building_id else "",
                                distance_m=round(a.d.m, 1)))
    return out


def outages_available() -> bool:
    return importlib.util.find_spec("outages") is not None


def active_outages_at(*, category: Category, building: Building | None = None, lon: float | None = None,
                      lat: float | None = None) -> list[dict]:
    """Active outages of this category's service kinds covering the place (empty until outages/ exists)."""
    if not outages_available():
        return []
    selectors = importlib.import_module("outages.selectors")
    kinds = list(category.service_kinds.values_list("code", flat=True))
    found = selectors.active_outages_at(building_id=building.pk if building else None,
                                        lon=None if building else lon, lat=None if building else lat,
                                        service_kinds=kinds)
    return [{"id": o.pk, "kind": o.get_kind_display(), "provider": str(o.provider) if o.provider_id else "",
             "started_at": o.started_at, "expected_end": o.expected_end, "public_note": o.public_note}
            for o in found]
