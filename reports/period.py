"""Reads for the period reports (6, 9, 12 months or any range) and provider performance.

Aggregates only: counts, shares, times; no personal data, so analysts may have all of it.
Every figure is computed for the period and for the same days a year earlier.

Conventions (said once, used everywhere):
- calls by `started_at`, appeals by `created_at`, both in Kyiv days [start 00:00, end+1 00:00);
- resolution figures (median and p90 time, on time, reopened, confirmation, rating) are of the appeals
  *resolved* in the period (`resolved_at`), so a year's figures do not wait on next year's fixes;
- escalations: appeals put under second-level control in the period (`escalated_at`);
- an appeal with two providers or service kinds counts once for each of them.

>>> p = months_period(months=9, year=2026)
>>> (p.start.isoformat(), p.end.isoformat(), p.previous().start.isoformat(), p.previous().end.isoformat())
('2026-01-01', '2026-09-30', '2025-01-01', '2025-09-30')
>>> Period(start=date(2024, 2, 29), end=date(2024, 3, 31)).previous().start
datetime.date(2023, 2, 28)
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import (
    Aggregate,
    Avg,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Q,
)
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _

from appeals.models import (
    OPEN_STATUSES,
    Appeal,
    AppealEvent,
    AppealRoute,
    Call,
    CallOutcome,
    Channel,
    ConfirmationOutcome,
    ControlLevel,
    Status,
)
from layers.models import Category, Neighbourhood, Provider, ServiceKind

KYIV = ZoneInfo("Europe/Kyiv")
MAX_DAYS = 3 * 366
# A provider "accepted in time" when it took the appeal up (accepted or started work) within this many
# hours of getting it: one dispatcher's shift (appeals.control's level 1).
ACCEPT_HOURS = 12


class PeriodError(ValueError):
    """A period that cannot be reported on; str() is for a person (Ukrainian)."""


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    def __post_init__(self):
        if self.end < self.start:
            raise PeriodError(_("Кінець періоду раніше за початок."))
        if (self.end - self.start).days > MAX_DAYS:
            raise PeriodError(_("Період довший за три роки."))

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        """[start 00:00, end+1 00:00) in Kyiv time, as UTC instants."""
        lo = datetime.combine(self.start, datetime.min.time(), tzinfo=KYIV)
        hi = datetime.combine(self.end + timedelta(days=1), datetime.min.time(), tzinfo=KYIV)
        return lo.astimezone(UTC), hi.astimezone(UTC)

    def previous(self) -> Period:
        """The same days a year earlier (29 February becomes the 28th)."""
        return Period(start=_year_earlier(self.start), end=_year_earlier(self.end))

    @property
    def label(self) -> str:
        return f"{self.start:%d.%m.%Y}–{self.end:%d.%m.%Y}"

    @property
    def slug(self) -> str:
        return f"{self.start.isoformat()}_{self.end.isoformat()}"

    def months(self) -> list[date]:
        """The first day of each calendar month the period touches."""
        out, d = [], self.start.replace(day=1)
        while d <= self.end:
            out.append(d)
            d = (d.replace(day=28) + timedelta(days=4)).replace(day=1)
        return out


def _year_earlier(d: date) -> date:
    try:
        return d.replace(year=d.year - 1)
    except ValueError:  # 29 February
        return d.replace(year=d.year - 1, day=28)


def months_period(*, months: int, year: int) -> Period:
    """January to the end of the 6th, 9th or 12th month (the city's 6-, 9- and 12-month reports)."""
    if months not in (6, 9, 12):
        raise PeriodError(_("Звіт буває за 6, 9 або 12 місяців."))
    return Period(start=date(year, 1, 1), end=date(year, months, calendar.monthrange(year, months)[1]))


class Percentile(Aggregate):
    """percentile_cont(p) WITHIN GROUP (ORDER BY expr); p is a float checked here, never user text."""

    function = "percentile_cont"
    name = "Percentile"
    template = "%(function)s(%(p)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, p: float, **extra):
        p = float(p)
        if not 0.0 <= p <= 1.0:
            raise ValueError("percentile outside [0, 1]")
        super().__init__(expression, p=repr(p), **extra)


def _hours(value: timedelta | None) -> float | None:
    return None if value is None else value.total_seconds() / 3600


# --- comparisons ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One line of a breakdown: this period, the same period a year earlier, the change."""

    key: str
    label: str
    current: float
    previous: float

    @property
    def diff(self) -> float:
        return self.current - self.previous

    @property
    def pct(self) -> float | None:
        """The change as a share of last year's figure (None when last year had none)."""
        return None if not self.previous else self.diff / self.previous


@dataclass
class Breakdown:
    key: str
    title: str
    head: str
    rows: list[Row]
    total: Row | None = None  # None when rows overlap (an appeal with two providers)
    note: str = ""


def _compare(key: str, title: str, head: str, cur: dict, prev: dict, labels: dict, *, with_total: bool,
             note: str = "", order: list | None = None) -> Breakdown:
    keys = order if order is not None else sorted(set(cur) | set(prev), key=lambda k: (-cur.get(k, 0), str(labels.get(k, k))))
    rows = [Row(str(k), str(labels.get(k, k)), cur.get(k, 0), prev.get(k, 0)) for k in keys]
    total = Row("total", _("Разом"), sum(cur.values()), sum(prev.values())) if with_total else None
    return Breakdown(key=key, title=title, head=head, rows=rows, total=total, note=note)


def _grouped(qs, field_name: str, *, distinct_of: str | None = None) -> dict:
    counter = Count(distinct_of, distinct=True) if distinct_of else Count("*")
    return {k: n for k, n in qs.order_by().values_list(field_name).annotate(n=counter).values_list(field_name, "n")}


def _appeals(period: Period):
    lo, hi = period.bounds
    return Appeal.objects.filter(created_at__gte=lo, created_at__lt=hi)


def _calls(period: Period):
    lo, hi = period.bounds
    return Call.objects.filter(started_at__gte=lo, started_at__lt=hi)


def _resolved(period: Period):
    lo, hi = period.bounds
    return Appeal.objects.filter(resolved_at__gte=lo, resolved_at__lt=hi)


@dataclass(frozen=True)
class Quality:
    """Resolution figures of one period (appeals resolved in it) and its escalations."""

    resolved: int
    median_hours: float | None
    p90_hours: float | None
    on_time: int
    reopened: int
    escalated: int
    rated: int
    mean_rating: float | None
    confirmation: dict

    @property
    def on_time_share(self) -> float | None:
        return self.on_time / self.resolved if self.resolved else None

    @property
    def reopen_share(self) -> float | None:
        return self.reopened / self.resolved if self.resolved else None


def quality(period: Period) -> Quality:
    took = ExpressionWrapper(F("resolved_at") - F("created_at"), output_field=DurationField())
    agg = _resolved(period).aggregate(
        n=Count("id"), median=Percentile(took, 0.5, output_field=DurationField()),
        p90=Percentile(took, 0.9, output_field=DurationField()),
        on_time=Count("id", filter=Q(resolved_at__lte=F("deadline"))),
        reopened=Count("id", filter=Q(reopen_count__gt=0)),
        rated=Count("rating"), rating=Avg("rating", output_field=FloatField()),
    )
    lo, hi = period.bounds
    escalated = Appeal.objects.filter(control_level=ControlLevel.SUPERVISOR, escalated_at__gte=lo,
                                      escalated_at__lt=hi).count()
    confirmation = _grouped(_resolved(period), "confirmation")
    return Quality(resolved=agg["n"], median_hours=_hours(agg["median"]), p90_hours=_hours(agg["p90"]),
                   on_time=agg["on_time"], reopened=agg["reopened"], escalated=escalated, rated=agg["rated"],
                   mean_rating=agg["rating"], confirmation=confirmation)


# --- provider performance ---------------------------------------------------------------------------


@dataclass
class ProviderPerformance:
    provider_id: int
    name: str
    kind: str
    received: int = 0
    accepted_in_time: int = 0
    rejected: int = 0
    rejected_proved_right: int = 0
    resolved: int = 0
    resolved_on_time: int = 0
    overdue_now: int = 0
    median_hours: float | None = None
    reopened: int = 0
    rated: int = 0
    mean_rating: float | None = None

    @property
    def accepted_in_time_share(self) -> float | None:
        return self.accepted_in_time / self.received if self.received else None

    @property
    def proved_right_share(self) -> float | None:
        return self.rejected_proved_right / self.rejected if self.rejected else None

    @property
    def on_time_share(self) -> float | None:
        return self.resolved_on_time / self.resolved if self.resolved else None

    @property
    def reopen_share(self) -> float | None:
        return self.reopened / self.resolved if self.resolved else None


def provider_performance(*, period: Period, now: datetime, provider_ids: list[int] | None = None
                         ) -> list[ProviderPerformance]:
    """Per provider, for the period:

    received          appeals routed to it in the period (any route, rerouted-away ones too);
    accepted in time  of those, taken up (accepted / in progress) within ACCEPT_HOURS of the routing;
    rejected          routes it rejected as "not ours"; proved right when the appeal's route for that service
                      kind now belongs to another provider (the reroute agreed), wrong when it came back;
    resolved on time  appeals it holds (active route) resolved in the period by their deadline;
    overdue now       open appeals it holds past their deadline at `now`;
    median time       from its routing to the resolution, of those resolved in the period;
    reopen share      of those resolved, reopened at least once; mean rating of those rated.
    """
    lo, hi = period.bounds
    routes = AppealRoute.objects.filter(provider__isnull=False)
    if provider_ids is not None:
        routes = routes.filter(provider_id__in=provider_ids)
    taken_up = AppealEvent.objects.filter(
        appeal_id=OuterRef("appeal_id"), action="status", to_status__in=[Status.ACCEPTED, Status.IN_PROGRESS],
        at__gte=OuterRef("created_at"), at__lte=OuterRef("created_at") + timedelta(hours=ACCEPT_HOURS))
    other_now = AppealRoute.objects.filter(appeal_id=OuterRef("appeal_id"), service_kind_id=OuterRef("service_kind_id"),
                                           active=True, provider__isnull=False).exclude(provider_id=OuterRef("provider_id"))
    received = {r["provider_id"]: r for r in routes.filter(created_at__gte=lo, created_at__lt=hi).order_by()
                .annotate(taken_up=Exists(taken_up), other_now=Exists(other_now))
                .values("provider_id").annotate(
                    n_received=Count("appeal_id", distinct=True),
                    n_accepted=Count("appeal_id", distinct=True, filter=Q(taken_up=True)),
                    n_rejected=Count("id", filter=Q(rejected=True)),
                    n_right=Count("id", filter=Q(rejected=True, other_now=True)))}
    took = ExpressionWrapper(F("appeal__resolved_at") - F("created_at"), output_field=DurationField())
    resolved = {r["provider_id"]: r for r in routes.filter(active=True, appeal__resolved_at__gte=lo,
                                                           appeal__resolved_at__lt=hi).order_by()
                .values("provider_id").annotate(
                    resolved=Count("appeal_id", distinct=True),
                    on_time=Count("appeal_id", distinct=True, filter=Q(appeal__resolved_at__lte=F("appeal__deadline"))),
                    median=Percentile(took, 0.5, output_field=DurationField()),
                    reopened=Count("appeal_id", distinct=True, filter=Q(appeal__reopen_count__gt=0)),
                    rated=Count("appeal__rating"), rating=Avg("appeal__rating", output_field=FloatField()))}
    overdue = _grouped(routes.filter(active=True, appeal__status__in=OPEN_STATUSES, appeal__deadline__lt=now),
                       "provider_id", distinct_of="appeal_id")
    ids = set(received) | set(resolved) | set(overdue)
    providers = Provider.objects.filter(pk__in=ids).only("name", "kind")
    out = []
    for p in providers:
        a, b = received.get(p.pk, {}), resolved.get(p.pk, {})
        out.append(ProviderPerformance(
            provider_id=p.pk, name=p.name, kind=p.get_kind_display(),
            received=a.get("n_received", 0), accepted_in_time=a.get("n_accepted", 0), rejected=a.get("n_rejected", 0),
            rejected_proved_right=a.get("n_right", 0), resolved=b.get("resolved", 0), resolved_on_time=b.get("on_time", 0),
            overdue_now=overdue.get(p.pk, 0), median_hours=_hours(b.get("median")), reopened=b.get("reopened", 0),
            rated=b.get("rated", 0), mean_rating=b.get("rating")))
    return sorted(out, key=lambda x: (-x.received, x.name))


# --- the period report ------------------------------------------------------------------------------


@dataclass
class PeriodReport:
    period: Period
    previous: Period
    now: datetime
    calls: Row
    appeals: Row
    breakdowns: list[Breakdown] = field(default_factory=list)
    monthly: list[tuple[date, int, int, int, int]] = field(default_factory=list)  # month, calls, appeals, prev ×2
    quality_current: Quality | None = None
    quality_previous: Quality | None = None
    performance: list[ProviderPerformance] = field(default_factory=list)
    neighbourhood_counts: dict = field(default_factory=dict)  # neighbourhood id → appeals (choropleth)

    def breakdown(self, key: str) -> Breakdown:
        return next(b for b in self.breakdowns if b.key == key)

    def quality_rows(self) -> list[tuple[str, object, object, str]]:
        """(label, this period, a year earlier, format) for the resolution table."""
        c, p = self.quality_current, self.quality_previous
        return [
            (_("Виконано звернень"), c.resolved, p.resolved, "num"),
            (_("Медіана часу виконання, год"), c.median_hours, p.median_hours, "dec"),
            (_("90-й процентиль часу виконання, год"), c.p90_hours, p.p90_hours, "dec"),
            (_("Виконано вчасно"), c.on_time, p.on_time, "num"),
            (_("Частка виконаних вчасно"), c.on_time_share, p.on_time_share, "pct"),
            (_("Взято на контроль заступників (2 рівень)"), c.escalated, p.escalated, "num"),
            (_("Відкрито повторно (з виконаних)"), c.reopened, p.reopened, "num"),
            (_("Частка відкритих повторно"), c.reopen_share, p.reopen_share, "pct"),
            (_("Оцінок заявників"), c.rated, p.rated, "num"),
            (_("Середня оцінка (1–5)"), c.mean_rating, p.mean_rating, "dec2"),
        ]


def _monthly(qs, field_name: str) -> dict[date, int]:
    rows = (qs.order_by().annotate(m=TruncMonth(field_name, tzinfo=KYIV)).values_list("m")
            .annotate(n=Count("id")).values_list("m", "n"))
    return {m.astimezone(KYIV).date() if isinstance(m, datetime) else m: n for m, n in rows}


def _routes_two_periods(period: Period, prev: Period, field_name: str) -> tuple[dict, dict]:
    """Distinct appeals per `field_name` of their routes, for both periods in one pass over the routes (the join
    of routes to appeals is the costly part of the report at a million appeals)."""
    lo, hi = period.bounds
    plo, phi = prev.bounds
    cur = Q(appeal__created_at__gte=lo, appeal__created_at__lt=hi)
    old = Q(appeal__created_at__gte=plo, appeal__created_at__lt=phi)
    qs = AppealRoute.objects.filter(cur | old)
    if field_name == "provider_id":
        qs = qs.filter(provider__isnull=False)
    rows = (qs.order_by().values_list(field_name)
            .annotate(c=Count("appeal_id", distinct=True, filter=cur), p=Count("appeal_id", distinct=True, filter=old))
            .values_list(field_name, "c", "p"))
    out_c, out_p = {}, {}
    for key, c, p in rows:
        if c:
            out_c[key] = c
        if p:
            out_p[key] = p
    return out_c, out_p


NO_NEIGHBOURHOOD = "none"


def _by_neighbourhood(period: Period) -> dict:
    counts = _grouped(_appeals(period), "building__neighbourhood_id")
    if None in counts:
        counts[NO_NEIGHBOURHOOD] = counts.pop(None)
    return counts


def period_report(*, period: Period, now: datetime, with_performance: bool = True) -> PeriodReport:
    """Every figure of the period report, beside the same period a year earlier."""
    prev = period.previous()
    calls_c, calls_p = _grouped(_calls(period), "outcome"), _grouped(_calls(prev), "outcome")
    appeals_c, appeals_p = _appeals(period).count(), _appeals(prev).count()
    report = PeriodReport(period=period, previous=prev, now=now,
                          calls=Row("calls", _("Дзвінки"), sum(calls_c.values()), sum(calls_p.values())),
                          appeals=Row("appeals", _("Звернення"), appeals_c, appeals_p))
    outcome_labels = {k: v for k, v in CallOutcome.choices}
    report.breakdowns.append(_compare("calls", _("Дзвінки за результатом"), _("результат дзвінка"), calls_c, calls_p,
                                      outcome_labels, with_total=True,
                                      order=[k for k, _l in CallOutcome.choices] + sorted((set(calls_c) | set(calls_p)) - set(outcome_labels))))
    cat_c, cat_p = _grouped(_appeals(period), "category_id"), _grouped(_appeals(prev), "category_id")
    report.breakdowns.append(_compare("categories", _("Звернення за категоріями"), _("категорія"), cat_c, cat_p,
                                      dict(Category.objects.values_list("pk", "name_uk")), with_total=True))
    sk_c, sk_p = _routes_two_periods(period, prev, "service_kind_id")
    report.breakdowns.append(_compare(
        "service_kinds", _("Звернення за видами послуг"), _("вид послуги"), sk_c, sk_p,
        dict(ServiceKind.objects.values_list("code", "name_uk")), with_total=False,
        note=_("Звернення, що потребує двох служб (напр. гаряча вода), враховано в кожній.")))
    pr_c, pr_p = _routes_two_periods(period, prev, "provider_id")
    report.breakdowns.append(_compare(
        "providers", _("Звернення за виконавцями"), _("виконавець"), pr_c, pr_p,
        dict(Provider.objects.filter(pk__in=set(pr_c) | set(pr_p)).values_list("pk", "name")), with_total=False,
        note=_("Кожен виконавець, якому звернення передавали (і після переадресації), враховує його.")))
    nb_c, nb_p = _by_neighbourhood(period), _by_neighbourhood(prev)
    nb_labels = dict(Neighbourhood.objects.values_list("pk", "name_uk"))
    nb_labels[NO_NEIGHBOURHOOD] = _("без будинку / поза мікрорайонами")
    report.breakdowns.append(_compare("neighbourhoods", _("Звернення за мікрорайонами"), _("мікрорайон"), nb_c, nb_p,
                                      nb_labels, with_total=True))
    report.neighbourhood_counts = {k: v for k, v in nb_c.items() if k != NO_NEIGHBOURHOOD}
    ch_c, ch_p = _grouped(_appeals(period), "channel"), _grouped(_appeals(prev), "channel")
    report.breakdowns.append(_compare("channels", _("Звернення за каналами"), _("канал"), ch_c, ch_p,
                                      dict(Channel.choices), with_total=True,
                                      order=[k for k, _l in Channel.choices] + sorted((set(ch_c) | set(ch_p)) - set(Channel.values))))
    report.quality_current, report.quality_previous = quality(period), quality(prev)
    report.breakdowns.append(_compare(
        "confirmation", _("Підтвердження заявниками (виконані за період)"), _("результат"),
        report.quality_current.confirmation, report.quality_previous.confirmation,
        dict(ConfirmationOutcome.choices), with_total=True, order=list(ConfirmationOutcome.values)))
    formal_c, formal_p = _grouped(_appeals(period), "is_formal"), _grouped(_appeals(prev), "is_formal")
    report.breakdowns.append(_compare(
        "formal", _("Звернення за Законом і повідомлення без контактів"), _("вид"),
        formal_c, formal_p, {True: _("звернення за Законом"), False: _("повідомлення на карту без контактів")},
        with_total=True, order=[True, False]))
    calls_m_c, calls_m_p = _monthly(_calls(period), "started_at"), _monthly(_calls(prev), "started_at")
    app_m_c, app_m_p = _monthly(_appeals(period), "created_at"), _monthly(_appeals(prev), "created_at")
    report.monthly = [(m, calls_m_c.get(m, 0), app_m_c.get(m, 0), calls_m_p.get(_year_earlier(m), 0),
                       app_m_p.get(_year_earlier(m), 0)) for m in period.months()]
    if with_performance:
        report.performance = provider_performance(period=period, now=now)
    return report


def by_neighbourhood_counts(*, period: Period) -> dict:
    """Appeals per neighbourhood id in the period (the choropleth alone)."""
    return {k: v for k, v in _by_neighbourhood(period).items() if k != NO_NEIGHBOURHOOD}
