"""What the staff pages need beyond appeals.selectors and appeals.services: access by role, rows for
tables, the dispatcher's JSON panels (building, category preview, phone history), control summaries.

Reads only; every write goes through appeals.services. Lists that come from the user start from a
scoped selector (roles.scope_appeals is applied inside them), so a filter here can only narrow them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from appeals import deadlines, roles, selectors, workflow
from appeals.models import OPEN_STATUSES, Appeal, AppealEvent, AppealRoute, Call, RouteOutcome, Status
from layers import routing
from layers.models import Building, BuildingKind, Category, ServiceKind
from outages import selectors as outage_selectors

DISPATCH_ROLES = (workflow.DISPATCHER, workflow.SUPERVISOR, workflow.ADMINISTRATOR)
SEARCH_ROLES = (workflow.DISPATCHER, workflow.SUPERVISOR, workflow.ADMINISTRATOR, workflow.ANALYST)
JOURNAL_ROLES = (workflow.PROVIDER_OPERATOR, workflow.SUPERVISOR, workflow.ADMINISTRATOR)
CONTROL_ROLES = (workflow.SUPERVISOR, workflow.ADMINISTRATOR)
# Where each role lands after signing in.
HOME_BY_ROLE = {
    workflow.DISPATCHER: "dispatch",
    workflow.ADMINISTRATOR: "dispatch",
    workflow.PROVIDER_OPERATOR: "journal",
    workflow.SUPERVISOR: "control",
    workflow.ANALYST: "analytics",
}
ROLE_NAMES = {
    workflow.DISPATCHER: _("диспетчер"),
    workflow.PROVIDER_OPERATOR: _("оператор виконавця"),
    workflow.SUPERVISOR: _("заступник міського голови"),
    workflow.ANALYST: _("аналітик"),
    workflow.ADMINISTRATOR: _("адміністратор"),
}
ANALYTICS_ROLES = (workflow.ANALYST, workflow.SUPERVISOR, workflow.ADMINISTRATOR)


@dataclass(frozen=True)
class StaffRole:
    """The signed-in user's role as the templates need it (menu items, personal data, provider badge)."""

    role: str | None
    provider: object | None = None

    @property
    def can_dispatch(self) -> bool:
        return self.role in DISPATCH_ROLES

    @property
    def can_journal(self) -> bool:
        return self.role in JOURNAL_ROLES

    @property
    def can_control(self) -> bool:
        return self.role in CONTROL_ROLES

    @property
    def is_analyst(self) -> bool:
        return self.role == workflow.ANALYST

    @property
    def sees_analytics(self) -> bool:
        return self.role in ANALYTICS_ROLES

    @property
    def role_name(self) -> str:
        return str(ROLE_NAMES.get(self.role or "", ""))

    @property
    def sees_personal_data(self) -> bool:
        return self.role in (workflow.DISPATCHER, workflow.PROVIDER_OPERATOR, workflow.SUPERVISOR,
                             workflow.ADMINISTRATOR)


def staff_role(user) -> StaffRole:
    role = roles.role_of(user)
    return StaffRole(role=role, provider=roles.provider_of(user) if role == workflow.PROVIDER_OPERATOR else None)


def require_role(*allowed: str) -> Callable:
    """View decorator: anonymous users go to the login page; a signed-in user of another role gets 403."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            role = staff_role(request.user)
            if role.role is None or (allowed and role.role not in allowed):
                raise PermissionDenied
            request.staff_role = role
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def home_url(user) -> str:
    return reverse(HOME_BY_ROLE.get(roles.role_of(user) or "", "login"))


# --- rows and small serialisations ---------------------------------------------------------------


def appeal_address(appeal: Appeal, *, personal: bool = True) -> str:
    """The address as registered; without personal data it is the building's own address (the text as
    typed may hold a flat: "Паркова 12, кв. 5") or, with no building, the point to about 10 m."""
    if personal and appeal.address_text:
        return appeal.address_text
    if appeal.building_id is not None:
        return appeal.building.address
    return f"{appeal.point.y:.4f}, {appeal.point.x:.4f}"


def is_overdue(appeal: Appeal, now: datetime) -> bool:
    return appeal.is_open and deadlines.is_overdue(deadline=appeal.deadline, now=now)


def _active_providers(appeal: Appeal) -> list[str]:
    routes = getattr(appeal, "active_routes", None)
    if routes is None:
        routes = [r for r in appeal.routes.all() if r.active]
    return [str(r.provider) for r in routes if r.provider_id is not None]


@dataclass(frozen=True)
class Row:
    appeal: Appeal
    address: str
    providers: list[str]
    overdue: bool
    error: str = ""  # a refused action on this row, shown in place (views.appeal_action from a list)


def rows(appeals: Iterable[Appeal], *, personal: bool, now: datetime | None = None,
         errors: dict[str, str] | None = None) -> list[Row]:
    now = now or timezone.now()
    errors = errors or {}
    return [Row(appeal=a, address=appeal_address(a, personal=personal), providers=_active_providers(a),
                overdue=is_overdue(a, now), error=errors.get(a.number, "")) for a in appeals]


def local_text(at: datetime | None) -> str:
    return date_format(timezone.localtime(at, deadlines.KYIV), "d.m.Y H:i") if at else ""


def appeal_brief(appeal: Appeal, *, now: datetime, distance_m: float | None = None) -> dict:
    """An appeal for the dispatcher's panels: no personal data (the number is enough to find the rest)."""
    return {
        "number": appeal.number,
        "url": reverse("appeal-detail", args=[appeal.number]),
        "category": appeal.category.name_uk,
        "status": appeal.status,
        "status_label": str(appeal.get_status_display()),
        "address": appeal_address(appeal, personal=False),
        "created": local_text(appeal.created_at),
        "deadline": local_text(appeal.deadline),
        "overdue": is_overdue(appeal, now),
        "providers": _active_providers(appeal),
        "lon": appeal.point.x,
        "lat": appeal.point.y,
        "distance_m": None if distance_m is None else round(distance_m),
    }


def _provider_dict(p) -> dict | None:
    if p is None:
        return None
    return {"id": p.pk, "name": str(p), "kind": p.kind, "kind_label": str(p.get_kind_display()),
            "phones": list(p.phones or []), "emergency_phone": p.emergency_phone, "hours": p.hours,
            "is_24_7": p.is_24_7}


_OUTCOME_LABELS = {o.value: str(o.label) for o in RouteOutcome}


def decision_dict(d: routing.Decision, kind_names: dict[str, str]) -> dict:
    return {
        "service_kind": d.service_kind,
        "service_kind_name": kind_names.get(d.service_kind, d.service_kind),
        "outcome": d.outcome,
        "outcome_label": _OUTCOME_LABELS.get(d.outcome, d.outcome),
        "provider": _provider_dict(d.provider),
        "candidates": [_provider_dict(p) for p in d.candidates],
        "reason": d.reason,
    }


def _kind_names() -> dict[str, str]:
    return dict(ServiceKind.objects.values_list("code", "name_uk"))


# --- the dispatcher's panels ----------------------------------------------------------------------


def building_panel(*, building: Building, now: datetime | None = None) -> dict:
    """The chosen building: where it is, who serves it per service kind, its open appeals and recent ones nearby.

    Service kinds with a provider come first; the gaps follow, so the dispatcher reads the answer first.
    """
    now = now or timezone.now()
    names = _kind_names()
    decisions = routing.route_building(building=building, at=timezone.localdate(now, deadlines.KYIV))
    decisions = sorted(decisions, key=lambda d: (d.outcome != routing.ASSIGNED, d.service_kind))
    open_here = selectors.open_appeals_at(building=building)
    here = {a.pk for a in open_here}
    origin = building.point
    nearby = [a for a in selectors.recent_appeals_near(lon=origin.x, lat=origin.y, now=now) if a.pk not in here]
    return {
        "building": {
            "id": building.pk,
            "address": building.address,
            "neighbourhood": str(building.neighbourhood) if building.neighbourhood_id else "",
            "kind": building.kind,
            "kind_label": str(BuildingKind(building.kind).label) if building.kind in BuildingKind.values else "",
            "floors": building.floors,
            "flats": building.flats,
            "lon": origin.x,
            "lat": origin.y,
            "geom": {"type": "Feature", "properties": {"id": building.pk}, "geometry": _geojson(building.geom)},
        },
        "services": [decision_dict(d, names) for d in decisions],
        # Shown before anything else: active outages covering this building (any category).
        "outages": [outage_brief(o) for o in outage_selectors.active_outages_brief_at(building_id=building.pk, now=now)],
        "open_appeals": [appeal_brief(a, now=now) for a in open_here],
        "nearby": [appeal_brief(a, now=now, distance_m=_metres(origin, a.point)) for a in nearby],
    }


def outage_brief(o: outage_selectors.OutageBrief) -> dict:
    """An outage for the dispatcher's notice: the sentence read to the caller, and what links the call."""
    from appeals.outage_services import outage_notice

    return {"id": o.id, "notice": outage_notice(o), "kind": o.kind, "status": o.status,
            "service_kinds": list(o.kind_codes), "provider": o.provider_name,
            "public_note": o.public_note, "affected_buildings": o.affected_buildings}


def _geojson(geom) -> dict:
    import json

    return json.loads(geom.geojson)


def _metres(a, b) -> float:
    from gis.srid import METRIC_SRID

    return a.transform(METRIC_SRID, clone=True).distance(b.transform(METRIC_SRID, clone=True))


def category_preview(*, category: Category, building: Building, now: datetime | None = None) -> dict:
    """Before saving: who will get an appeal of this category here, its deadline, and likely duplicates."""
    now = now or timezone.now()
    names = _kind_names()
    decisions = routing.route_category(category=category, building=building,
                                       at=timezone.localdate(now, deadlines.KYIV))
    deadline = deadlines.compute_deadline(registered_at=now, hours=category.deadline_hours,
                                          is_emergency=category.is_emergency)
    duplicates = selectors.duplicate_candidates(category=category, building=building, now=now)
    return {
        "category": {"id": category.pk, "code": category.code, "name": category.name_uk},
        "routes": [decision_dict(d, names) for d in decisions],
        "deadline": deadline.isoformat(),
        "deadline_label": local_text(deadline),
        "is_emergency": category.is_emergency,
        "is_consultation": category.is_consultation,
        "duplicates": [appeal_brief(a, now=now, distance_m=_metres(building.point, a.point)) for a in duplicates],
    }


def phone_panel(*, user, phone: str, now: datetime | None = None) -> dict:
    """Earlier calls and appeals from this number (dispatchers see personal data; this is their own caller)."""
    now = now or timezone.now()
    calls: list[Call] = selectors.calls_from_phone(phone=phone, limit=10)
    appeals = selectors.appeals_from_phone(user=user, phone=phone, limit=10)
    return {
        "calls": [{"at": local_text(c.started_at), "outcome": c.outcome, "outcome_label": str(c.get_outcome_display()),
                   "appeal_number": c.appeal.number if c.appeal_id else "",
                   "office": c.consultation_office} for c in calls],
        "appeals": [appeal_brief(a, now=now) for a in appeals],
    }


# --- journal and control filters (narrowing scoped querysets) ---------------------------------------


def due_today(qs: QuerySet[Appeal], *, now: datetime | None = None) -> QuerySet[Appeal]:
    """Appeals whose deadline falls on today's date in Kyiv and has not passed yet."""
    now = now or timezone.now()
    local = timezone.localtime(now, deadlines.KYIV)
    end = local.replace(hour=23, minute=59, second=59, microsecond=999999)
    return qs.filter(deadline__gte=now, deadline__lte=end)


def in_neighbourhood(qs: QuerySet[Appeal], neighbourhood_id: int) -> QuerySet[Appeal]:
    return qs.filter(building__neighbourhood_id=neighbourhood_id)


def held_by_provider(qs: QuerySet[Appeal], provider_id: int) -> QuerySet[Appeal]:
    return qs.filter(Exists(AppealRoute.objects.filter(appeal_id=OuterRef("pk"), provider_id=provider_id,
                                                        active=True)))


@dataclass
class ControlLine:
    provider: str
    area: str
    overdue: int = 0
    escalated: int = 0


def control_summary(queue: QuerySet[Appeal], *, now: datetime | None = None) -> list[ControlLine]:
    """Counts of a (scoped) escalation queue by (provider holding it, neighbourhood), in one grouped query.

    An appeal held by two providers counts for each; one that no provider holds (a routing gap) is
    counted under an empty provider.
    """
    now = now or timezone.now()
    ids = queue.order_by().values("pk")
    held = (AppealRoute.objects.filter(active=True, provider__isnull=False, appeal_id__in=ids)
            .values("provider__name", "provider__short_name", "appeal__building__neighbourhood__name_uk")
            .annotate(escalated=Count("appeal_id", distinct=True),
                      overdue=Count("appeal_id", distinct=True, filter=Q(appeal__deadline__lt=now))))
    lines = [ControlLine(provider=r["provider__short_name"] or r["provider__name"],
                         area=r["appeal__building__neighbourhood__name_uk"] or "",
                         overdue=r["overdue"], escalated=r["escalated"]) for r in held]
    unheld = (queue.order_by().exclude(Exists(AppealRoute.objects.filter(appeal_id=OuterRef("pk"), active=True,
                                                                          provider__isnull=False)))
              .values("building__neighbourhood__name_uk")
              .annotate(escalated=Count("id"), overdue=Count("id", filter=Q(deadline__lt=now))))
    lines += [ControlLine(provider="", area=r["building__neighbourhood__name_uk"] or "", overdue=r["overdue"],
                          escalated=r["escalated"]) for r in unheld]
    return sorted(lines, key=lambda line: (-line.escalated, line.provider, line.area))


@dataclass(frozen=True)
class QueueHealth:
    """How old the escalation queue is and where it is heading: what a deputy mayor reads first."""

    size: int
    oldest_days: float | None
    median_days: float | None
    trend: list[tuple[str, int, int]]  # (dd.mm, escalated that Kyiv day, resolved that day of those escalated)
    points: dict  # GeoJSON of the queue (staff only): number, category, overdue


def queue_health(queue: QuerySet[Appeal], *, user, now: datetime | None = None, days: int = 14,
                 max_points: int = 2000) -> QueueHealth:
    """Ages of the (scoped) queue, escalations and resolutions per Kyiv day over `days`, and its points."""
    from django.db.models.functions import TruncDate

    now = now or timezone.now()
    ages = sorted((now - at).total_seconds() / 86400
                  for at in queue.order_by().values_list("escalated_at", flat=True) if at is not None)
    median = None
    if ages:
        mid = len(ages) // 2
        median = ages[mid] if len(ages) % 2 else (ages[mid - 1] + ages[mid]) / 2
    since = timezone.localtime(now, deadlines.KYIV).replace(hour=0, minute=0, second=0, microsecond=0)
    since -= timedelta(days=days - 1)
    scoped = roles.scope_appeals(user=user)
    escalated = dict(scoped.filter(escalated_at__gte=since).annotate(day=TruncDate("escalated_at", tzinfo=deadlines.KYIV))
                     .values_list("day").annotate(n=Count("id")).values_list("day", "n"))
    resolved = dict(scoped.filter(escalated_at__isnull=False, resolved_at__gte=since)
                    .annotate(day=TruncDate("resolved_at", tzinfo=deadlines.KYIV))
                    .values_list("day").annotate(n=Count("id")).values_list("day", "n"))
    trend = []
    for i in range(days):
        day = (since + timedelta(days=i)).date()
        trend.append((day.strftime("%d.%m"), escalated.get(day, 0), resolved.get(day, 0)))
    features = [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [round(p.x, 6), round(p.y, 6)]},
         "properties": {"number": number, "category": category, "overdue": deadline < now,
                        "url": reverse("appeal-detail", args=[number])}}
        for number, p, category, deadline in queue.order_by("escalated_at")
        .values_list("number", "point", "category__name_uk", "deadline")[:max_points]
    ]
    return QueueHealth(size=len(ages), oldest_days=ages[-1] if ages else None, median_days=median, trend=trend,
                       points={"type": "FeatureCollection", "features": features})


# --- the appeal card ------------------------------------------------------------------------------

NEARBY_M = 300
# Who sees a resident's photo before a dispatcher approves it (it may show a face or a flat door).
UNAPPROVED_PHOTO_ROLES = (workflow.DISPATCHER, workflow.SUPERVISOR, workflow.ADMINISTRATOR)


def crew_members(appeal: Appeal, *, user) -> QuerySet:
    """The active crew members an appeal can be given to by this user (their provider's, for an operator)."""
    from appeals.models import CrewMember

    holders = AppealRoute.objects.filter(appeal=appeal, active=True, provider__isnull=False).values("provider_id")
    qs = CrewMember.objects.filter(active=True, provider_id__in=holders).select_related("provider")
    if roles.role_of(user) == workflow.PROVIDER_OPERATOR:
        qs = qs.filter(provider=roles.provider_of(user))
    return qs.order_by("provider__name", "name")


def card_photos(appeal: Appeal, *, role: str | None) -> list:
    from appeals.models import AppealPhoto

    photos = AppealPhoto.objects.filter(appeal=appeal).order_by("pk")
    if role not in UNAPPROVED_PHOTO_ROLES:
        photos = photos.filter(approved=True)
    return list(photos)


def card_map(appeal: Appeal, *, user, radius_m: int = NEARBY_M, limit: int = 200) -> dict:
    """The card's map: the building's outline, the appeal's point, and the open appeals (in the user's scope)
    within radius_m metres — measured in EPSG:32637 (a metric buffer), never in degrees."""
    import json

    from django.contrib.gis.geos import GEOSGeometry

    from gis.srid import METRIC_SRID, STORAGE_SRID

    around = appeal.point.transform(METRIC_SRID, clone=True).buffer(radius_m, quadsegs=16)
    around.transform(STORAGE_SRID)
    nearby = (roles.scope_appeals(user=user).filter(status__in=OPEN_STATUSES, point__within=around)
              .exclude(pk=appeal.pk).select_related("category").order_by("-created_at")[:limit])
    features = []
    if appeal.building_id and appeal.building.geom is not None:
        features.append({"type": "Feature", "geometry": json.loads(GEOSGeometry(appeal.building.geom).geojson),
                         "properties": {"layer": "building"}})
    features.append({"type": "Feature", "geometry": json.loads(appeal.point.geojson),
                     "properties": {"layer": "appeal", "number": appeal.number}})
    now = timezone.now()
    for a in nearby:
        features.append({"type": "Feature", "geometry": json.loads(a.point.geojson), "properties": {
            "layer": "nearby", "number": a.number, "category": a.category.name_uk, "overdue": a.deadline < now,
            "url": reverse("appeal-detail", args=[a.number])}})
    return {"type": "FeatureCollection", "features": features, "radius_m": radius_m}


def active_routes(appeal: Appeal) -> list[AppealRoute]:
    routes = getattr(appeal, "active_routes", None)
    if routes is None:
        routes = list(appeal.routes.filter(active=True).select_related("provider", "service_kind"))
    return routes


def all_routes(appeal: Appeal) -> list[AppealRoute]:
    """Every route the appeal ever had, the active ones first (a rejection stays on record)."""
    return list(appeal.routes.select_related("provider", "service_kind").order_by("-active", "created_at", "id"))


_STATUS_LABELS = {s.value: str(s.label) for s in Status}


def history(appeal: Appeal) -> list[AppealEvent]:
    """The append-only history, oldest first, each event with readable status names (from_label, to_label)."""
    events = list(appeal.events.select_related("actor").order_by("at", "id"))
    for e in events:
        e.from_label = _STATUS_LABELS.get(e.from_status, e.from_status)
        e.to_label = _STATUS_LABELS.get(e.to_status, e.to_status)
    return events


def assignment_kinds(appeal: Appeal) -> list[tuple]:
    """For the dispatcher's manual assignment: each service kind of the category, its current provider,
    and the providers that serve that kind (the routing's candidates for it first)."""
    from django.db.models import Case, IntegerField, Value, When

    from layers.models import Provider

    current = {r.service_kind_id: r for r in active_routes(appeal)}
    out = []
    for kind in appeal.category.service_kinds.order_by("code"):
        route = current.get(kind.code)
        candidate_ids = [c["id"] for c in (route.candidates if route else []) if isinstance(c, dict) and "id" in c]
        providers = Provider.objects.filter(service_kinds=kind).annotate(
            rank=Case(When(pk__in=candidate_ids or [0], then=Value(0)), default=Value(1), output_field=IntegerField()),
        ).order_by("rank", "name")
        out.append((kind.code, kind.name_uk, route.provider_id if route else None, providers))
    return out
