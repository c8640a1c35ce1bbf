"""Reads on calls and appeals: search, provider journals, duplicates, control queues.

Every selector that lists appeals for a user goes through roles.scope_appeals, so the scope is
part of the SQL: a provider operator's journal cannot contain another provider's appeal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib.gis.db.models.functions import Transform
from django.contrib.gis.geos import Point
from django.contrib.gis.measure import D
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils import timezone

from appeals import roles
from appeals.deadlines import KYIV
from appeals.errors import AppealNotFound
from appeals.models import OPEN_STATUSES, Appeal, AppealRoute, Call, ControlLevel, ShiftReport
from gis.srid import METRIC_SRID
from layers.models import Building, Category

DUPLICATE_WINDOW = timedelta(hours=48)
DUPLICATE_RADIUS_M = 150.0


def _with_relations(qs: QuerySet[Appeal]) -> QuerySet[Appeal]:
    # Lists never draw outlines: leave the footprint and the street axis in the database.
    return qs.select_related("category", "building", "building__street", "crew_member").defer(
        "building__geom", "building__street__geom").prefetch_related(
        Prefetch("routes", queryset=AppealRoute.objects.filter(active=True).select_related("provider"),
                 to_attr="active_routes"),
    )


def appeal_detail(*, user, appeal: int | str) -> Appeal:
    """One appeal by id or number, if this user may see it (else AppealNotFound, as a 404)."""
    qs = roles.scope_appeals(user=user)
    key = str(appeal)
    qs = qs.filter(number=key) if "-" in key else qs.filter(pk=int(key)) if key.isdigit() else qs.none()
    found = _with_relations(qs).first()
    if found is None:
        raise AppealNotFound(f"звернення {appeal} не знайдено")
    return found


def duplicate_candidates(*, category: Category, building: Building | None = None, lon: float | None = None,
                         lat: float | None = None, now: datetime | None = None, limit: int = 5) -> list[Appeal]:
    """Open appeals of the same category in the last 48 h: in the same building, or (street-level
    categories) within 150 m, measured in the metric CRS. Nearest and newest first.
    """
    now = now or timezone.now()
    qs = Appeal.objects.filter(category=category, status__in=OPEN_STATUSES, created_at__gte=now - DUPLICATE_WINDOW)
    if category.street_level:
        if building is not None:
            point = building.point
        elif lon is not None and lat is not None:
            point = Point(float(lon), float(lat), srid=4326)
        else:
            return []
        metric = point.transform(METRIC_SRID, clone=True)
        # The && prefilter in degrees is generous (150 m is < 0.003° here); the distance itself is metric.
        qs = qs.filter(point__dwithin=(point, 0.005)).annotate(p_m=Transform("point", METRIC_SRID)).filter(
            p_m__distance_lte=(metric, D(m=DUPLICATE_RADIUS_M)))
    elif building is not None:
        qs = qs.filter(building=building)
    else:
        return []
    return list(_with_relations(qs).order_by("-created_at")[:limit])


@dataclass(frozen=True)
class SearchFilters:
    number: str = ""
    phone: str = ""
    address: str = ""
    building_id: int | None = None
    provider_id: int | None = None
    status: tuple[str, ...] = ()
    category: str = ""
    created_from: date | None = None
    created_to: date | None = None
    overdue: bool | None = None
    control_level: int | None = None


def _day_start(d: date) -> datetime:
    return datetime.combine(d, datetime.min.time(), tzinfo=KYIV)


def search_appeals(*, user, filters: SearchFilters, now: datetime | None = None) -> QuerySet[Appeal]:
    """Appeals by number, phone, address, building, provider, status, category and dates, newest first,
    within the user's scope. An address is geocoded to its building when it names one.
    """
    from appeals.phones import normalize_phone

    now = now or timezone.now()
    qs = roles.scope_appeals(user=user)
    if filters.number:
        number = filters.number.strip()
        qs = qs.filter(number=number) if "-" in number else qs.filter(number__endswith=number.zfill(6))
    if filters.phone:
        # Two index lookups, then ids: an OR with a subquery would scan every appeal.
        phone = normalize_phone(filters.phone)
        ids = set(Appeal.objects.filter(applicant_phone=phone).values_list("id", flat=True)[:1000])
        ids.update(Call.objects.filter(phone=phone, appeal__isnull=False).values_list("appeal_id", flat=True)[:1000])
        qs = qs.filter(pk__in=sorted(ids))
    if filters.building_id:
        qs = qs.filter(building_id=filters.building_id)
    if filters.address:
        qs = qs.filter(building_id__in=_buildings_for_address(filters.address))
    if filters.provider_id:
        qs = qs.filter(Exists(AppealRoute.objects.filter(appeal_id=OuterRef("pk"), provider_id=filters.provider_id)))
    if filters.status:
        qs = qs.filter(status__in=filters.status)
    if filters.category:
        qs = qs.filter(category__code=filters.category)
    if filters.created_from:
        qs = qs.filter(created_at__gte=_day_start(filters.created_from))
    if filters.created_to:
        qs = qs.filter(created_at__lt=_day_start(filters.created_to + timedelta(days=1)))
    if filters.overdue is True:
        qs = qs.filter(status__in=OPEN_STATUSES, deadline__lt=now)
    if filters.control_level is not None:
        qs = qs.filter(control_level=filters.control_level)
    return _with_relations(qs).order_by("-created_at", "-id")


def _buildings_for_address(text: str) -> list[int]:
    from geocoding import services as geocoding

    try:
        results = geocoding.geocode(query=text, limit=5)
    except geocoding.InvalidQuery:
        return []
    exact = [r.building_id for r in results if r.building_id is not None and r.score >= 0.9]
    return exact[:1] or [r.building_id for r in results if r.building_id is not None]


def provider_journal(*, user, status: tuple[str, ...] = (), category: str = "", overdue: bool | None = None,
                     area_id: int | None = None, open_only: bool = True, now: datetime | None = None
                     ) -> QuerySet[Appeal]:
    """The journal of the operator's provider: appeals it holds now (active routes), nearest deadline first.

    Other roles get the journal of every provider in their scope. Filters like the old thematic
    journals: category, status, overdue, the service area of the route.
    """
    now = now or timezone.now()
    provider = roles.provider_of(user)
    routes = AppealRoute.objects.filter(appeal_id=OuterRef("pk"), active=True)
    if provider is not None:
        # The active route to the operator's provider is the scope itself (stricter than roles.scope_appeals).
        qs = Appeal.objects.all()
        routes = routes.filter(provider_id=provider.pk)
    else:
        qs = roles.scope_appeals(user=user)
    if area_id is not None:
        routes = routes.filter(area_id=area_id)
    qs = qs.filter(Exists(routes))
    if open_only and not status:
        qs = qs.filter(status__in=OPEN_STATUSES)
    if status:
        qs = qs.filter(status__in=status)
    if category:
        qs = qs.filter(category__code=category)
    if overdue is True:
        qs = qs.filter(deadline__lt=now)
    elif overdue is False:
        qs = qs.filter(deadline__gte=now)
    return _with_relations(qs).order_by("deadline", "id")


def escalation_queue(*, user) -> QuerySet[Appeal]:
    """Second-level control: open escalated appeals of the supervisor's provider kinds, oldest escalation first."""
    qs = roles.scope_appeals(user=user).filter(control_level=ControlLevel.SUPERVISOR, status__in=OPEN_STATUSES)
    return _with_relations(qs).order_by("plan_date", "escalated_at", "id")


def latest_shift_report() -> ShiftReport | None:
    return ShiftReport.objects.order_by("-shift_end").first()


def shift_report_appeals(*, user, report: ShiftReport) -> QuerySet[Appeal]:
    """The appeals of a level-1 shift report, within the user's scope."""
    return _with_relations(roles.scope_appeals(user=user).filter(pk__in=report.appeal_ids)).order_by("deadline")


def calls_from_phone(*, phone: str, limit: int = 20) -> list[Call]:
    """Earlier calls from this number, newest first, with their appeals: the dispatcher's first look."""
    from appeals.phones import normalize_phone

    return list(Call.objects.filter(phone=normalize_phone(phone)).select_related("appeal", "appeal__category")
                .order_by("-started_at")[:limit])


def appeals_from_phone(*, user, phone: str, limit: int = 20) -> list[Appeal]:
    return list(search_appeals(user=user, filters=SearchFilters(phone=phone))[:limit])


def open_appeals_at(*, building: Building, limit: int = 20) -> list[Appeal]:
    """Open appeals in this building (for the dispatcher's map panel). No personal data is needed here."""
    return list(_with_relations(Appeal.objects.filter(building=building, status__in=OPEN_STATUSES))
                .order_by("-created_at")[:limit])


def recent_appeals_near(*, lon: float, lat: float, radius_m: float = 300.0, hours: int = 72,
                        limit: int = 20, now: datetime | None = None) -> list[Appeal]:
    """Appeals of the last `hours` within radius_m (metric), newest first."""
    now = now or timezone.now()
    point = Point(float(lon), float(lat), srid=4326)
    metric = point.transform(METRIC_SRID, clone=True)
    deg = radius_m / 50_000.0  # generous degree box for the index; the filter below is in metres
    qs = (Appeal.objects.filter(created_at__gte=now - timedelta(hours=hours), point__dwithin=(point, deg))
          .annotate(p_m=Transform("point", METRIC_SRID)).filter(p_m__distance_lte=(metric, D(m=radius_m))))
    return list(_with_relations(qs).order_by("-created_at")[:limit])


@dataclass(frozen=True)
class IntakePreview:
    """What the dispatcher sees on choosing a category: who will get it, by when, and likely duplicates."""

    decisions: list  # layers.routing.Decision, one per service kind of the category
    deadline: datetime
    duplicates: list[Appeal]


def intake_preview(*, category: Category, building: Building | None = None, lon: float | None = None,
                   lat: float | None = None, now: datetime | None = None) -> IntakePreview:
    """Routing, deadline and duplicate candidates for an appeal not yet saved (no writes)."""
    from appeals.deadlines import compute_deadline
    from layers import routing

    now = now or timezone.now()
    if building is None and (lon is None or lat is None):
        decisions = []
    else:
        decisions = routing.route_category(category=category, building=building,
                                           lon=None if building else lon, lat=None if building else lat,
                                           at=timezone.localdate(now, KYIV))
    deadline = compute_deadline(registered_at=now, hours=category.deadline_hours, is_emergency=category.is_emergency)
    duplicates = duplicate_candidates(category=category, building=building, lon=lon, lat=lat, now=now)
    return IntakePreview(decisions=decisions, deadline=deadline, duplicates=duplicates)


def calls_and_appeals_counted(*, start: date, end: date) -> dict:
    """Calls (by outcome) and appeals registered in [start, end] (Kyiv days), counted separately,
    as the city's reports must: one call may add to an old appeal, an online appeal has no call.
    """
    from django.db.models import Count

    lo, hi = _day_start(start), _day_start(end + timedelta(days=1))
    calls = dict(Call.objects.filter(started_at__gte=lo, started_at__lt=hi).values_list("outcome")
                 .annotate(n=Count("id")).values_list("outcome", "n"))
    appeals = Appeal.objects.filter(created_at__gte=lo, created_at__lt=hi).count()
    return {"calls": sum(calls.values()), "calls_by_outcome": calls, "appeals": appeals}
