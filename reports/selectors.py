"""Reads for the reports: the 07:00 summary's figures, from appeals' (and outages') public models.

Everything here is a count or a list without personal data: appeals appear by number, category,
provider and the building's address (never the flat, the applicant, the phone or the free text).
The providers' own daily reports are staff-only text and are read separately (provider_reports).

Times are Europe/Kyiv. A summary for the morning of `day` covers 07:00 the day before to 07:00 on
`day`, local time, so it is 23 or 25 hours long on the days the clocks change:

>>> start, end = summary_window(day=date(2026, 3, 29))   # clocks go forward at 03:00 that night
>>> (end - start).total_seconds() / 3600
23.0
>>> start, end = summary_window(day=date(2026, 10, 25))  # and back at 04:00
>>> (end - start).total_seconds() / 3600
25.0
>>> start.astimezone(KYIV).isoformat()
'2026-10-24T07:00:00+03:00'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, Q

from appeals.models import (
    OPEN_STATUSES,
    WITH_PROVIDER_STATUSES,
    Appeal,
    AppealEvent,
    AppealRoute,
    Call,
    CallOutcome,
    Channel,
    ControlLevel,
    Status,
)
from layers.models import Building, Category, Provider

KYIV = ZoneInfo("Europe/Kyiv")
SUMMARY_HOUR = time(7, 0)
# The 07:00 list of long-overdue appeals names every one up to this many (the total is always given).
LONG_OVERDUE_LIST_MAX = 500
REPEAT_CALLS_MIN = 2
REPEAT_ADDRESSES_MAX = 50


def summary_window(*, day: date) -> tuple[datetime, datetime]:
    """07:00 the day before → 07:00 on `day`, Kyiv local time, as UTC instants (never `end - 24 h`)."""
    end = datetime.combine(day, SUMMARY_HOUR, tzinfo=KYIV)
    start = datetime.combine(day - timedelta(days=1), SUMMARY_HOUR, tzinfo=KYIV)
    return start.astimezone(UTC), end.astimezone(UTC)


def summary_day_for(*, at: datetime) -> date:
    """The morning whose summary is due at `at`: today (Kyiv) from 07:00 on, else yesterday.

    >>> summary_day_for(at=datetime(2026, 3, 29, 7, 0, tzinfo=KYIV))
    datetime.date(2026, 3, 29)
    >>> summary_day_for(at=datetime(2026, 3, 29, 4, 0, tzinfo=UTC))  # 07:00 in Kyiv (summer time)
    datetime.date(2026, 3, 29)
    >>> summary_day_for(at=datetime(2026, 3, 29, 6, 59, tzinfo=KYIV))
    datetime.date(2026, 3, 28)
    """
    local = at.astimezone(KYIV)
    return local.date() if local.time() >= SUMMARY_HOUR else local.date() - timedelta(days=1)


@dataclass(frozen=True)
class Line:
    """One row of a breakdown: a label and a count (key: a stable code or id)."""

    key: str
    label: str
    n: int


@dataclass(frozen=True)
class OverdueRow:
    number: str
    category: str
    providers: str
    address: str
    deadline: datetime
    days_late: int
    control_level: int


@dataclass(frozen=True)
class OutageRow:
    title: str
    kind: str
    status: str
    provider: str
    service_kinds: str
    started_at: datetime | None
    expected_end: datetime | None
    ended_at: datetime | None
    buildings: int
    flats: int
    residents: int


@dataclass
class DailyFigures:
    day: date
    window_start: datetime
    window_end: datetime
    calls_total: int = 0
    calls_by_outcome: list[Line] = field(default_factory=list)
    appeals_total: int = 0
    by_category: list[Line] = field(default_factory=list)
    by_channel: list[Line] = field(default_factory=list)
    by_provider: list[Line] = field(default_factory=list)
    resolved: int = 0
    overdue: int = 0
    escalated: int = 0
    reopened: int = 0
    outages_available: bool = False
    outages: list[OutageRow] = field(default_factory=list)
    repeat_addresses: list[Line] = field(default_factory=list)
    long_overdue_total: int = 0
    long_overdue: list[OverdueRow] = field(default_factory=list)

    @property
    def hours(self) -> float:
        return (self.window_end - self.window_start).total_seconds() / 3600

    def as_json(self) -> dict:
        """The headline counts, kept with the archived summary."""
        return {
            "day": self.day.isoformat(), "hours": self.hours,
            "calls": self.calls_total, "calls_by_outcome": {x.key: x.n for x in self.calls_by_outcome},
            "appeals": self.appeals_total,
            "by_category": {x.key: x.n for x in self.by_category},
            "by_channel": {x.key: x.n for x in self.by_channel},
            "by_provider": {x.key: x.n for x in self.by_provider},
            "resolved": self.resolved, "overdue": self.overdue, "escalated": self.escalated,
            "reopened": self.reopened, "long_overdue": self.long_overdue_total,
            "outages": len(self.outages) if self.outages_available else None,
            "repeat_addresses": len(self.repeat_addresses),
        }


def _choice_lines(counts: dict, choices) -> list[Line]:
    """Every choice in its own order (zeros too), then any value the choices do not know."""
    lines = [Line(str(value), str(label), counts.get(value, 0)) for value, label in choices]
    known = {value for value, _label in choices}
    lines += [Line(str(k), str(k), n) for k, n in sorted(counts.items()) if k not in known]
    return lines


def calls_by_outcome(*, start: datetime, end: datetime) -> list[Line]:
    counts = dict(Call.objects.filter(started_at__gte=start, started_at__lt=end).order_by()
                  .values_list("outcome").annotate(n=Count("id")).values_list("outcome", "n"))
    return _choice_lines(counts, CallOutcome.choices)


def appeals_by_category(*, start: datetime, end: datetime) -> list[Line]:
    rows = (Appeal.objects.filter(created_at__gte=start, created_at__lt=end).order_by()
            .values_list("category_id").annotate(n=Count("id")).values_list("category_id", "n"))
    counts = dict(rows)
    names = dict(Category.objects.filter(pk__in=counts).values_list("pk", "name_uk"))
    return sorted((Line(str(k), names.get(k, str(k)), n) for k, n in counts.items()), key=lambda x: (-x.n, x.label))


def appeals_by_channel(*, start: datetime, end: datetime) -> list[Line]:
    counts = dict(Appeal.objects.filter(created_at__gte=start, created_at__lt=end).order_by()
                  .values_list("channel").annotate(n=Count("id")).values_list("channel", "n"))
    return _choice_lines(counts, Channel.choices)


def appeals_by_provider(*, start: datetime, end: datetime) -> list[Line]:
    """Appeals registered in the window by the provider that holds them now (an active route); an appeal
    with two providers (hot water: heating network and housing office) counts for each."""
    rows = (AppealRoute.objects.filter(active=True, provider__isnull=False, appeal__created_at__gte=start,
                                       appeal__created_at__lt=end).order_by()
            .values_list("provider_id").annotate(n=Count("appeal_id", distinct=True)).values_list("provider_id", "n"))
    counts = dict(rows)
    names = dict(Provider.objects.filter(pk__in=counts).values_list("pk", "name"))
    return sorted((Line(str(k), names.get(k, str(k)), n) for k, n in counts.items()), key=lambda x: (-x.n, x.label))


def _providers_text(appeal_ids: list[int]) -> dict[int, str]:
    out: dict[int, list[str]] = {}
    for appeal_id, name in (AppealRoute.objects.filter(appeal_id__in=appeal_ids, active=True, provider__isnull=False)
                            .order_by("appeal_id", "id").values_list("appeal_id", "provider__name")):
        out.setdefault(appeal_id, []).append(name)
    return {k: ", ".join(v) for k, v in out.items()}


def _address(building: Building | None, point) -> str:
    if building is not None:
        return building.address
    return f"{point.y:.4f}, {point.x:.4f}"


def long_overdue(*, end: datetime, limit: int = LONG_OVERDUE_LIST_MAX) -> tuple[int, list[OverdueRow]]:
    """Open appeals more than a day past their deadline at `end`: the total, and the oldest first up to `limit`."""
    qs = Appeal.objects.filter(status__in=OPEN_STATUSES, deadline__lt=end - timedelta(days=1))
    total = qs.count()
    appeals = list(qs.select_related("category", "building", "building__street")
                   .only("number", "deadline", "control_level", "point", "category__name_uk", "building__housenumber",
                         "building__street__name", "building__street__street_type")
                   .order_by("deadline", "id")[:limit])
    providers = _providers_text([a.pk for a in appeals])
    rows = [OverdueRow(number=a.number, category=a.category.name_uk, providers=providers.get(a.pk, "—"),
                       address=_address(a.building, a.point), deadline=a.deadline,
                       days_late=(end - a.deadline).days, control_level=a.control_level) for a in appeals]
    return total, rows


def repeat_call_addresses(*, start: datetime, end: datetime, minimum: int = REPEAT_CALLS_MIN,
                          limit: int = REPEAT_ADDRESSES_MAX) -> list[Line]:
    """Buildings that `minimum` or more calls in the window were about (through the appeal each call made or
    joined), most calls first."""
    rows = list(Call.objects.filter(started_at__gte=start, started_at__lt=end, appeal__building__isnull=False)
                .order_by().values_list("appeal__building_id").annotate(n=Count("id")).filter(n__gte=minimum)
                .order_by("-n", "appeal__building_id").values_list("appeal__building_id", "n")[:limit])
    buildings = {b.pk: b for b in Building.objects.filter(pk__in=[r[0] for r in rows]).select_related("street")
                 .only("housenumber", "street__name", "street__street_type")}
    return [Line(str(pk), buildings[pk].address, n) for pk, n in rows if pk in buildings]


def outages_in_window(*, start: datetime, end: datetime) -> tuple[bool, list[OutageRow]]:
    """Outages in force during the window (confirmed, or resolved after its start) and planned ones still
    to come, with their affected buildings, flats and residents (outages.OutageBuilding rows).
    Suspected outages are the dispatchers' hypothesis, not the mayor's news: left out; cancelled too.
    Returns (whether outage data exists at all, the rows): the summary says so when there is none.
    """
    from django.db.models import Sum

    from outages.models import Outage, OutageKind, OutageStatus

    in_force = Q(started_at__lt=end) & (Q(ended_at__isnull=True) | Q(ended_at__gte=start))
    planned = Q(kind=OutageKind.PLANNED, started_at__gte=end, ended_at__isnull=True)
    qs = (Outage.objects.filter(in_force | planned).exclude(status__in=[OutageStatus.SUSPECTED, OutageStatus.CANCELLED])
          .select_related("provider").prefetch_related("service_kinds")
          .annotate(n_buildings=Count("buildings"), n_flats=Sum("buildings__flats"),
                    n_residents=Sum("buildings__residents"))
          .order_by("started_at", "id"))
    rows = []
    for o in qs:
        cause = " ".join(o.cause.split())
        rows.append(OutageRow(
            title=f"№ {o.pk}" + (f": {cause[:120]}" if cause else ""), kind=o.get_kind_display(),
            status=o.get_status_display(), provider=o.provider.name if o.provider else "—",
            service_kinds=", ".join(sorted(k.name_uk for k in o.service_kinds.all())),
            started_at=o.started_at, expected_end=o.expected_end, ended_at=o.ended_at,
            buildings=o.n_buildings or 0, flats=o.n_flats or 0, residents=o.n_residents or 0))
    return True, rows


def reopened_in_window(*, start: datetime, end: datetime) -> int:
    """Appeals reopened in the window (a reopening step; the history's index event_reopened_at)."""
    return (AppealEvent.objects.filter(to_status=Status.REOPENED, at__gte=start, at__lt=end)
            .exclude(from_status=Status.REOPENED).order_by().values("appeal_id").distinct().count())


def daily_figures(*, day: date) -> DailyFigures:
    """Every figure of the 07:00 summary for the morning of `day` (the reads at once, reports.reads)."""
    from reports import reads

    start, end = summary_window(day=day)
    f = DailyFigures(day=day, window_start=start, window_end=end)
    window = {"start": start, "end": end}
    done = reads.run_all({
        "calls": lambda: calls_by_outcome(**window),
        "category": lambda: appeals_by_category(**window),
        "channel": lambda: appeals_by_channel(**window),
        "provider": lambda: appeals_by_provider(**window),
        "resolved": lambda: Appeal.objects.filter(resolved_at__gte=start, resolved_at__lt=end).count(),
        # Overdue now: the status is today's (the history of statuses is not replayed for an old morning).
        "overdue": lambda: Appeal.objects.filter(status__in=OPEN_STATUSES, deadline__lt=end).count(),
        "escalated": lambda: Appeal.objects.filter(control_level=ControlLevel.SUPERVISOR, escalated_at__gte=start,
                                                   escalated_at__lt=end).count(),
        "reopened": lambda: reopened_in_window(**window),
        "outages": lambda: outages_in_window(**window),
        "repeat": lambda: repeat_call_addresses(**window),
        "long_overdue": lambda: long_overdue(end=end),
    })
    f.calls_by_outcome = done["calls"]
    f.calls_total = sum(x.n for x in f.calls_by_outcome)
    f.by_category = done["category"]
    f.appeals_total = sum(x.n for x in f.by_category)
    f.by_channel, f.by_provider = done["channel"], done["provider"]
    f.resolved, f.overdue, f.escalated, f.reopened = done["resolved"], done["overdue"], done["escalated"], done["reopened"]
    f.outages_available, f.outages = done["outages"]
    f.repeat_addresses = done["repeat"]
    f.long_overdue_total, f.long_overdue = done["long_overdue"]
    return f


# --- the providers' own daily reports --------------------------------------------------------------


def report_day_for(*, day: date) -> date:
    """The summary of the morning of `day` carries the providers' reports for the day before."""
    return day - timedelta(days=1)


def provider_reports(*, report_day: date) -> list:
    from reports.models import ProviderDailyReport

    return list(ProviderDailyReport.objects.filter(date=report_day).select_related("provider")
                .order_by("provider__name"))


def providers_expected_to_report(*, start: datetime, end: datetime) -> list[Provider]:
    """Providers who owe a daily report: those holding an open appeal now or given one in the window."""
    # Two narrow reads (open appeals; the window's appeals), not one OR that would walk every active route.
    routes = AppealRoute.objects.filter(active=True, provider__isnull=False).order_by()
    ids = set(routes.filter(appeal__status__in=WITH_PROVIDER_STATUSES).values_list("provider_id", flat=True).distinct())
    ids |= set(routes.filter(appeal__created_at__gte=start, appeal__created_at__lt=end)
               .values_list("provider_id", flat=True).distinct())
    return list(Provider.objects.filter(pk__in=ids).order_by("name"))


def providers_not_reported(*, day: date) -> list[Provider]:
    """Providers expected to report for the day before `day` that did not (named in the summary)."""
    from reports.models import ProviderDailyReport

    start, end = summary_window(day=day)
    reported = set(ProviderDailyReport.objects.filter(date=report_day_for(day=day)).values_list("provider_id", flat=True))
    return [p for p in providers_expected_to_report(start=start, end=end) if p.pk not in reported]


def open_appeals_of_provider(*, provider: Provider, limit: int = 200) -> list[Appeal]:
    """What a provider holds now (for its daily report form): number, category, deadline, address."""
    return list(Appeal.objects.filter(status__in=OPEN_STATUSES, routes__active=True, routes__provider=provider)
                .select_related("category", "building", "building__street").defer("building__geom",
                                                                                    "building__street__geom")
                .order_by("deadline", "id").distinct()[:limit])
