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

from django.db import connection
from django.db.models import (
    Aggregate,
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Q,
)
from django.utils.translation import gettext as _

from appeals.models import (
    OPEN_STATUSES,
    Appeal,
    AppealEvent,
    AppealRoute,
    CallOutcome,
    Channel,
    ConfirmationOutcome,
    ControlLevel,
    Status,
)
from layers.models import Category, Neighbourhood, Provider, ServiceKind
from reports import reads

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
    confirmation: dict  # the fixes of the period by their applicant's final word (ConfirmationOutcome)
    disputed: int = 0  # fixes disputed in the period ("не виконано": resolved → reopened)

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
    # A dispute reopens the appeal (and its next fix waits for a new word), so disputes are counted as steps of the
    # history in the period (the index event_reopened_at), not as the outcome of a fix.
    disputed = AppealEvent.objects.filter(to_status=Status.REOPENED, from_status=Status.RESOLVED, at__gte=lo,
                                          at__lt=hi).count()
    return Quality(resolved=agg["n"], median_hours=_hours(agg["median"]), p90_hours=_hours(agg["p90"]),
                   on_time=agg["on_time"], reopened=agg["reopened"], escalated=escalated, rated=agg["rated"],
                   mean_rating=agg["rating"], confirmation=confirmation, disputed=disputed)


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


# Routes given to a provider in the period; "accepted in time" when the appeal was accepted or taken into work
# within ACCEPT_HOURS of the routing. One join of the period's routes to the take-up events, bounded by plain
# time predicates on both sides (so it reads the period, not the whole history, of a table partitioned by time),
# instead of a probe into the history per route.
_RECEIVED_SQL = """
WITH r AS (
    SELECT r.id, r.appeal_id, r.provider_id, r.service_kind_id, r.created_at, r.rejected
      FROM appeals_appealroute r
     WHERE r.provider_id IS NOT NULL AND r.created_at >= %(lo)s AND r.created_at < %(hi)s
       AND (%(all)s OR r.provider_id = ANY(%(ids)s::bigint[]))
), took AS (
    SELECT DISTINCT r.id
      FROM r JOIN appeals_appealevent e ON e.appeal_id = r.appeal_id
     WHERE e.action = 'status' AND e.to_status IN ('accepted', 'in_progress')  -- the index event_taken_up_at
       AND e.at >= %(lo)s AND e.at < %(hi_took)s
       AND e.at >= r.created_at AND e.at <= r.created_at + %(accept)s
)
SELECT r.provider_id, count(DISTINCT r.appeal_id), count(DISTINCT r.appeal_id) FILTER (WHERE took.id IS NOT NULL),
       count(*) FILTER (WHERE r.rejected),
       count(*) FILTER (WHERE r.rejected AND EXISTS (
           SELECT 1 FROM appeals_appealroute o
            WHERE o.appeal_id = r.appeal_id AND o.service_kind_id = r.service_kind_id AND o.active
              AND o.provider_id IS NOT NULL AND o.provider_id <> r.provider_id))
  FROM r LEFT JOIN took ON took.id = r.id
 GROUP BY r.provider_id
"""
# The appeals a provider holds (an active route) resolved in the period.
_RESOLVED_BY_PROVIDER_SQL = """
SELECT r.provider_id, count(DISTINCT a.id), count(DISTINCT a.id) FILTER (WHERE a.resolved_at <= a.deadline),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY a.resolved_at - r.created_at),
       count(DISTINCT a.id) FILTER (WHERE a.reopen_count > 0), count(a.rating), avg(a.rating)::float
  FROM appeals_appeal a JOIN appeals_appealroute r ON r.appeal_id = a.id
 WHERE a.resolved_at >= %(lo)s AND a.resolved_at < %(hi)s AND r.active AND r.provider_id IS NOT NULL
   AND (%(all)s OR r.provider_id = ANY(%(ids)s::bigint[]))
 GROUP BY r.provider_id
"""


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
    params = {"lo": lo, "hi": hi, "hi_took": hi + timedelta(hours=ACCEPT_HOURS), "accept": timedelta(hours=ACCEPT_HOURS),
              "ids": provider_ids,
              "all": provider_ids is None}
    received = {pid: {"n_received": n, "n_accepted": acc, "n_rejected": rej, "n_right": right}
                for pid, n, acc, rej, right in _fetch(_RECEIVED_SQL, params)}
    resolved = {pid: {"resolved": n, "on_time": on_time, "median": median, "reopened": reopened, "rated": rated,
                      "rating": rating}
                for pid, n, on_time, median, reopened, rated, rating in _fetch(_RESOLVED_BY_PROVIDER_SQL, params)}
    routes = AppealRoute.objects.filter(provider__isnull=False)
    if provider_ids is not None:
        routes = routes.filter(provider_id__in=provider_ids)
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
            (_("Виконання оскаржено заявниками («не виконано»)"), c.disputed, p.disputed, "num"),
            (_("Оцінок заявників"), c.rated, p.rated, "num"),
            (_("Середня оцінка (1–5)"), c.mean_rating, p.mean_rating, "dec2"),
        ]


# One pass over a period's appeals gives every breakdown of them (PostgreSQL GROUPING SETS): a scan of the period's
# rows by the created_at index instead of one per breakdown. Plain bounds on created_at / started_at, so a table
# partitioned by those columns reads only the partitions of the period. The text is fixed; values are parameters.
_APPEAL_SETS_SQL = """
SELECT GROUPING(a.category_id, a.channel, a.is_formal, b.neighbourhood_id,
                date_trunc('month', a.created_at AT TIME ZONE 'Europe/Kyiv')) AS g,
       a.category_id, a.channel, a.is_formal, b.neighbourhood_id,
       date_trunc('month', a.created_at AT TIME ZONE 'Europe/Kyiv')::date AS month, count(*)
  FROM appeals_appeal a LEFT JOIN layers_building b ON b.id = a.building_id
 WHERE a.created_at >= %(lo)s AND a.created_at < %(hi)s
 GROUP BY GROUPING SETS ((a.category_id), (a.channel), (a.is_formal), (b.neighbourhood_id),
                         (date_trunc('month', a.created_at AT TIME ZONE 'Europe/Kyiv')), ())
"""
# GROUPING() sets a bit for each argument *not* grouped on, the first argument highest.
_APPEAL_SETS = {0b01111: "category", 0b10111: "channel", 0b11011: "formal", 0b11101: "neighbourhood",
                0b11110: "month", 0b11111: "total"}

_CALL_SETS_SQL = """
SELECT GROUPING(c.outcome, date_trunc('month', c.started_at AT TIME ZONE 'Europe/Kyiv')) AS g, c.outcome,
       date_trunc('month', c.started_at AT TIME ZONE 'Europe/Kyiv')::date AS month, count(*)
  FROM appeals_call c
 WHERE c.started_at >= %(lo)s AND c.started_at < %(hi)s
 GROUP BY GROUPING SETS ((c.outcome), (date_trunc('month', c.started_at AT TIME ZONE 'Europe/Kyiv')))
"""

# Distinct appeals per service kind and per provider of their routes (any route, rerouted-away ones too), for
# the period and the year before in one pass over the routes (their join to the appeals is the costly part).
_ROUTE_SETS_SQL = """
SELECT GROUPING(r.service_kind_id, r.provider_id) AS g, r.service_kind_id, r.provider_id,
       count(DISTINCT r.appeal_id) FILTER (WHERE a.created_at >= %(lo)s AND a.created_at < %(hi)s),
       count(DISTINCT r.appeal_id) FILTER (WHERE a.created_at >= %(plo)s AND a.created_at < %(phi)s)
  FROM appeals_appealroute r JOIN appeals_appeal a ON a.id = r.appeal_id
 WHERE (a.created_at >= %(lo)s AND a.created_at < %(hi)s) OR (a.created_at >= %(plo)s AND a.created_at < %(phi)s)
 GROUP BY GROUPING SETS ((r.service_kind_id), (r.provider_id))
"""


def _fetch(query: str, params: dict) -> list[tuple]:
    with connection.cursor() as cur:
        cur.execute(query, params)
        return cur.fetchall()


@dataclass
class AppealCounts:
    """Every count of one period's appeals (by created_at) and calls (by started_at), but those of routes."""

    appeals: int = 0
    category: dict = field(default_factory=dict)
    channel: dict = field(default_factory=dict)
    formal: dict = field(default_factory=dict)
    neighbourhood: dict = field(default_factory=dict)  # None: no building, or a building outside every one
    month: dict = field(default_factory=dict)
    calls_by_outcome: dict = field(default_factory=dict)
    calls_by_month: dict = field(default_factory=dict)


def appeal_counts(period: Period) -> AppealCounts:
    lo, hi = period.bounds
    params = {"lo": lo, "hi": hi}
    out = AppealCounts()
    for g, category_id, channel, is_formal, neighbourhood_id, month, n in _fetch(_APPEAL_SETS_SQL, params):
        kind = _APPEAL_SETS[g]
        if kind == "total":
            out.appeals = n
        else:
            key = {"category": category_id, "channel": channel, "formal": is_formal, "neighbourhood": neighbourhood_id,
                   "month": month}[kind]
            getattr(out, kind)[key] = n
    for g, outcome, month, n in _fetch(_CALL_SETS_SQL, params):
        if g == 0b01:
            out.calls_by_outcome[outcome] = n
        else:
            out.calls_by_month[month] = n
    return out


@dataclass
class RouteCounts:
    """Distinct appeals per service kind and per provider, this period and a year earlier."""

    service_kind: tuple[dict, dict]
    provider: tuple[dict, dict]


def route_counts(period: Period, prev: Period) -> RouteCounts:
    (lo, hi), (plo, phi) = period.bounds, prev.bounds
    sk, pr = ({}, {}), ({}, {})
    for g, service_kind_id, provider_id, cur, old in _fetch(_ROUTE_SETS_SQL, {"lo": lo, "hi": hi, "plo": plo, "phi": phi}):
        if g == 0b01:
            target, key = sk, service_kind_id
        elif provider_id is not None:
            target, key = pr, provider_id
        else:
            continue
        if cur:
            target[0][key] = cur
        if old:
            target[1][key] = old
    return RouteCounts(service_kind=sk, provider=pr)


NO_NEIGHBOURHOOD = "none"


def _by_neighbourhood(period: Period) -> dict:
    counts = _grouped(_appeals(period), "building__neighbourhood_id")
    if None in counts:
        counts[NO_NEIGHBOURHOOD] = counts.pop(None)
    return counts


def period_report(*, period: Period, now: datetime, with_performance: bool = True) -> PeriodReport:
    """Every figure of the period report, beside the same period a year earlier."""
    prev = period.previous()
    jobs = {"cur": lambda: appeal_counts(period), "prev": lambda: appeal_counts(prev),
            "routes": lambda: route_counts(period, prev), "quality": lambda: quality(period),
            "quality_prev": lambda: quality(prev)}
    if with_performance:
        jobs["performance"] = lambda: provider_performance(period=period, now=now)
    done = reads.run_all(jobs)
    cur_n, prev_n, routes = done["cur"], done["prev"], done["routes"]
    report = PeriodReport(period=period, previous=prev, now=now,
                          calls=Row("calls", _("Дзвінки"), sum(cur_n.calls_by_outcome.values()),
                                    sum(prev_n.calls_by_outcome.values())),
                          appeals=Row("appeals", _("Звернення"), cur_n.appeals, prev_n.appeals))
    calls_c, calls_p = cur_n.calls_by_outcome, prev_n.calls_by_outcome
    outcome_labels = {k: v for k, v in CallOutcome.choices}
    report.breakdowns.append(_compare("calls", _("Дзвінки за результатом"), _("результат дзвінка"), calls_c, calls_p,
                                      outcome_labels, with_total=True,
                                      order=[k for k, _l in CallOutcome.choices] + sorted((set(calls_c) | set(calls_p)) - set(outcome_labels))))
    report.breakdowns.append(_compare("categories", _("Звернення за категоріями"), _("категорія"), cur_n.category,
                                      prev_n.category, dict(Category.objects.values_list("pk", "name_uk")),
                                      with_total=True))
    report.breakdowns.append(_compare(
        "service_kinds", _("Звернення за видами послуг"), _("вид послуги"), *routes.service_kind,
        dict(ServiceKind.objects.values_list("code", "name_uk")), with_total=False,
        note=_("Звернення, що потребує двох служб (напр. гаряча вода), враховано в кожній.")))
    pr_c, pr_p = routes.provider
    report.breakdowns.append(_compare(
        "providers", _("Звернення за виконавцями"), _("виконавець"), pr_c, pr_p,
        dict(Provider.objects.filter(pk__in=set(pr_c) | set(pr_p)).values_list("pk", "name")), with_total=False,
        note=_("Кожен виконавець, якому звернення передавали (і після переадресації), враховує його.")))
    nb_c, nb_p = _with_none_key(cur_n.neighbourhood), _with_none_key(prev_n.neighbourhood)
    nb_labels = dict(Neighbourhood.objects.values_list("pk", "name_uk"))
    nb_labels[NO_NEIGHBOURHOOD] = _("без будинку / поза мікрорайонами")
    report.breakdowns.append(_compare("neighbourhoods", _("Звернення за мікрорайонами"), _("мікрорайон"), nb_c, nb_p,
                                      nb_labels, with_total=True))
    report.neighbourhood_counts = {k: v for k, v in nb_c.items() if k != NO_NEIGHBOURHOOD}
    ch_c, ch_p = cur_n.channel, prev_n.channel
    report.breakdowns.append(_compare("channels", _("Звернення за каналами"), _("канал"), ch_c, ch_p,
                                      dict(Channel.choices), with_total=True,
                                      order=[k for k, _l in Channel.choices] + sorted((set(ch_c) | set(ch_p)) - set(Channel.values))))
    report.quality_current, report.quality_previous = done["quality"], done["quality_prev"]
    report.breakdowns.append(_compare(
        "confirmation", _("Підтвердження заявниками (виконані за період)"), _("результат"),
        report.quality_current.confirmation, report.quality_previous.confirmation,
        dict(ConfirmationOutcome.choices), with_total=True, order=_confirmation_order(
            report.quality_current.confirmation, report.quality_previous.confirmation)))
    report.breakdowns.append(_compare(
        "formal", _("Звернення за Законом і повідомлення без контактів"), _("вид"),
        cur_n.formal, prev_n.formal, {True: _("звернення за Законом"), False: _("повідомлення на карту без контактів")},
        with_total=True, order=[True, False]))
    report.monthly = _monthly_rows(period, cur_n, prev_n)
    report.performance = done.get("performance", [])
    return report


def _confirmation_order(*counts: dict) -> list:
    """The final words a fix can have (a dispute is not one: it reopens the appeal), then any other value found."""
    final = [ConfirmationOutcome.NONE, ConfirmationOutcome.CONFIRMED, ConfirmationOutcome.UNREACHABLE]
    return final + sorted({k for c in counts for k in c} - set(final))


def _with_none_key(counts: dict) -> dict:
    out = dict(counts)
    if None in out:
        out[NO_NEIGHBOURHOOD] = out.pop(None)
    return out


def _monthly_rows(period: Period, cur_n: AppealCounts, prev_n: AppealCounts) -> list[tuple[date, int, int, int, int]]:
    return [(m, cur_n.calls_by_month.get(m, 0), cur_n.month.get(m, 0), prev_n.calls_by_month.get(_year_earlier(m), 0),
             prev_n.month.get(_year_earlier(m), 0)) for m in period.months()]


def monthly(*, period: Period) -> list[tuple[date, int, int, int, int]]:
    """Calls and appeals per month against the same months a year earlier (the monthly chart alone)."""
    done = reads.run_all({"cur": lambda: appeal_counts(period), "prev": lambda: appeal_counts(period.previous())})
    return _monthly_rows(period, done["cur"], done["prev"])


def by_neighbourhood_counts(*, period: Period) -> dict:
    """Appeals per neighbourhood id in the period (the choropleth alone)."""
    return {k: v for k, v in _by_neighbourhood(period).items() if k != NO_NEIGHBOURHOOD}
