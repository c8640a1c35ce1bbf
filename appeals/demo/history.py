"""A plausible, deterministic history of calls and appeals on the demo city (`manage.py generate_appeals`).

Two halves:

* pure planning (no database): seasons, hours of the day, bursts from one failure, the life of one
  appeal (status steps with increasing timestamps), synthetic people and phones. Unit-tested in
  tests/unit/test_demo_history.py;
* writing (`generate_history`): reads the registry once, routes each building that gets appeals once
  through layers.routing.route_building, and streams rows into PostgreSQL with COPY.

Everything random comes from `random.Random(seed)` and from hashes of the seed, so the same seed, the
same registry and the same end date give the same history.

>>> appeal_number(2026, 4817)
'26-004817'
>>> round(season_factor("heating", date(2025, 10, 20)) / season_factor("heating", date(2025, 12, 20)), 1) > 1.5
True
"""

from __future__ import annotations

import bisect
import hashlib
import json
import math
import random
import time as time_
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.gis.geos import Point
from django.db import connection, models, transaction
from django.utils import timezone
from psycopg import sql

from appeals.deadlines import compute_deadline, extension_ceiling
from appeals.models import OPEN_STATUSES as MODEL_OPEN_STATUSES
from appeals.models import Status
from appeals.services import format_number
from gis.environment import refuse_in_production
from gis.srid import METRIC_SRID, STORAGE_SRID
from layers import routing
from layers.models import Building, Category, Provider

KYIV = ZoneInfo("Europe/Kyiv")  # the same zone as appeals.deadlines

# ---------------------------------------------------------------------------------------------------------
# Seasons: a multiplier per service kind and day (1.0 = an ordinary day).
# ---------------------------------------------------------------------------------------------------------

# The heating season in Kramatorsk starts about 15 October (the city starts it when the mean daily
# temperature stays below +8 °C for three days) and ends about 15 April.
HEATING_START = (10, 15)
HEATING_END = (4, 15)


def _doy(day: date) -> int:
    return day.timetuple().tm_yday


def _bump(day: date, *, month: int, dom: int, width_days: float) -> float:
    """A Gaussian bump (peak 1.0) centred on month/dom, circular over the year."""
    centre = _doy(date(2001, month, dom))  # a non-leap year: a day off in leap years is harmless
    d = abs(_doy(day) - centre)
    d = min(d, 365 - d)
    return math.exp(-0.5 * (d / width_days) ** 2)


def in_heating_season(day: date) -> bool:
    """Whether the heating is on (15 October to 15 April).

    >>> in_heating_season(date(2025, 1, 10)), in_heating_season(date(2025, 7, 1))
    (True, False)
    """
    md = (day.month, day.day)
    return md >= HEATING_START or md <= HEATING_END


def season_factor(service_kind: str, day: date) -> float:
    """How many more (or fewer) appeals of a service kind than on an ordinary day.

    heating: none in summer, a spike in the first weeks after the start (air locks, cold risers);
    hot_water: the summer maintenance shut-offs; water: summer (consumption, pressure, old mains);
    power: winter storms (ice on lines) and summer thunderstorms; roads: potholes after the thaw;
    waste: summer heat; gas: winter; in_house: roof leaks in the spring thaw.

    >>> season_factor("heating", date(2025, 7, 1)) < 0.1
    True
    >>> season_factor("water", date(2025, 7, 20)) > season_factor("water", date(2025, 1, 20))
    True
    """
    if service_kind == "heating":
        if not in_heating_season(day):
            return 0.03
        return 1.0 + 3.0 * _bump(day, month=10, dom=24, width_days=9) + 0.5 * _bump(day, month=1, dom=20, width_days=15)
    if service_kind == "hot_water":
        return 1.0 + 1.2 * _bump(day, month=7, dom=10, width_days=30) + 0.6 * _bump(day, month=10, dom=24, width_days=9)
    if service_kind == "water":
        return 0.8 + 0.9 * _bump(day, month=7, dom=20, width_days=35) + 0.3 * _bump(day, month=1, dom=25, width_days=12)
    if service_kind == "power":
        return 0.8 + 1.0 * _bump(day, month=1, dom=15, width_days=25) + 0.4 * _bump(day, month=7, dom=15, width_days=20)
    if service_kind == "roads":
        return 0.7 + 1.3 * _bump(day, month=3, dom=25, width_days=20)
    if service_kind == "waste":
        return 0.8 + 0.7 * _bump(day, month=7, dom=25, width_days=35)
    if service_kind == "gas":
        return 0.8 + 0.6 * _bump(day, month=1, dom=15, width_days=40)
    if service_kind == "in_house":
        return 0.9 + 0.5 * _bump(day, month=3, dom=15, width_days=20)
    return 1.0


def category_season(service_kinds: Sequence[str], day: date) -> float:
    """A category's seasonal multiplier: the strongest of its service kinds (no hot water follows hot_water)."""
    if not service_kinds:
        return 1.0
    return max(season_factor(k, day) for k in service_kinds)


# Monday .. Sunday: fewer calls at weekends.
WEEKDAY_FACTOR = (1.10, 1.05, 1.0, 1.0, 1.0, 0.88, 0.80)

# Calls by hour of the day (Kyiv time): quiet at night, a morning peak and an evening peak.
HOUR_WEIGHTS = (0.4, 0.25, 0.2, 0.2, 0.25, 0.5, 1.2, 2.4, 3.6, 4.0, 3.8, 3.4,
                3.1, 3.0, 3.0, 2.9, 2.9, 3.1, 3.4, 3.5, 3.0, 2.2, 1.4, 0.8)
_HOUR_CUM = [sum(HOUR_WEIGHTS[: i + 1]) for i in range(24)]


def random_time_of_day(rng: random.Random, day: date) -> datetime:
    """An aware Kyiv datetime on `day`, following HOUR_WEIGHTS."""
    x = rng.random() * _HOUR_CUM[-1]
    hour = next(i for i, c in enumerate(_HOUR_CUM) if x <= c)
    seconds = rng.randrange(3600)
    return datetime.combine(day, time(hour, seconds // 60, seconds % 60), tzinfo=KYIV)


def poisson(rng: random.Random, lam: float) -> int:
    """A Poisson draw (Knuth for small means, a rounded normal for large ones).

    >>> poisson(random.Random(1), 0.0)
    0
    """
    if lam <= 0:
        return 0
    if lam > 50:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


# ---------------------------------------------------------------------------------------------------------
# Bursts: many calls from one failure.
# ---------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class BurstKind:
    code: str
    service_kind: str  # whose area is hit, and which categories the calls are about
    per_year: float  # how many a year (spread by the kind's season)
    radius_m: tuple[int, int]  # affected radius around the failure, metres
    hours: tuple[int, int]  # how long the calls keep coming
    calls_per_building: tuple[int, int]
    label: str  # Ukrainian, for the appeal description


BURST_KINDS = (
    BurstKind("water_main", "water", 14, (250, 700), (6, 30), (1, 4), "Прорив водогону"),
    BurstKind("substation", "power", 10, (300, 900), (3, 14), (1, 4), "Аварія на підстанції"),
    BurstKind("boiler_house", "heating", 5, (300, 800), (12, 48), (1, 3), "Аварія в котельні"),
)


@dataclass(frozen=True)
class Burst:
    kind: BurstKind
    start: datetime
    hours: float
    radius_m: float
    calls_per_building: tuple[int, int]

    @property
    def service_kind(self) -> str:
        return self.kind.service_kind


def plan_bursts(rng: random.Random, *, start: date, end: date, scale: float = 1.0) -> list[Burst]:
    """The failures between start and end (exclusive), sorted by time; seasonal (water in summer, power in winter).

    >>> bursts = plan_bursts(random.Random(5), start=date(2025, 1, 1), end=date(2026, 1, 1))
    >>> 15 < len(bursts) < 50 and all(b.start < bursts[-1].start or b is bursts[-1] for b in bursts)
    True
    """
    out: list[Burst] = []
    day = start
    while day < end:
        for kind in BURST_KINDS:
            # season_factor averages about 1 over a year (heating: ~1 over its half year, so double it).
            boost = 2.0 if kind.service_kind == "heating" else 1.0
            lam = kind.per_year / 365.0 * season_factor(kind.service_kind, day) * boost * scale
            for _ in range(poisson(rng, lam)):
                out.append(Burst(
                    kind=kind,
                    start=random_time_of_day(rng, day),
                    hours=rng.uniform(*kind.hours),
                    radius_m=rng.uniform(*kind.radius_m),
                    calls_per_building=kind.calls_per_building,
                ))
        day += timedelta(days=1)
    out.sort(key=lambda b: b.start)
    return out


def burst_offsets(rng: random.Random, *, n: int, hours: float) -> list[timedelta]:
    """When the n calls of a burst come, after its start: most in the first hours, sorted.

    >>> offs = burst_offsets(random.Random(3), n=50, hours=10)
    >>> offs == sorted(offs) and offs[-1] <= timedelta(hours=10)
    True
    """
    mean = max(hours / 3.0, 0.25)
    out = []
    for _ in range(n):
        h = rng.expovariate(1.0 / mean)
        while h > hours:
            h = rng.uniform(0, hours)
        out.append(timedelta(hours=h))
    out.sort()
    return out


# ---------------------------------------------------------------------------------------------------------
# The life of one appeal.
# ---------------------------------------------------------------------------------------------------------

# The model's own status codes (one source: appeals.models.Status), as plain strings for the planner.
REGISTERED = Status.REGISTERED.value
SENT = Status.SENT.value
ACCEPTED = Status.ACCEPTED.value
REJECTED = Status.REJECTED.value
IN_PROGRESS = Status.IN_PROGRESS.value
RESOLVED = Status.RESOLVED.value
CONFIRMED = Status.CONFIRMED.value
REOPENED = Status.REOPENED.value
CLOSED = Status.CLOSED.value
CANCELLED = Status.CANCELLED.value
DUPLICATE = Status.DUPLICATE.value

OPEN_STATUSES = frozenset(s.value for s in MODEL_OPEN_STATUSES)


@dataclass(frozen=True)
class Step:
    status: str
    at: datetime
    actor: str  # "dispatcher" | "provider" | "applicant" | "system"
    note: str = ""


@dataclass
class Life:
    """What happened to one appeal up to `now`."""

    steps: list[Step]
    status: str
    rejections: int = 0
    reopenings: int = 0
    rating: int | None = None
    confirmed: bool = False
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    resolution: str = ""
    rejection_reason: str = ""
    rerouted: bool = False  # a rejection sent it to another provider
    overdue: bool = False  # resolved after the deadline, or still open past it at `now`

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


REJECTION_REASONS = (
    "Будинок не на нашому балансі",
    "Мережа належить іншому виконавцю",
    "Внутрішньобудинкова мережа: звертатися до ЖЕК/ОСББ",
    "Ділянка обслуговується іншою дільницею",
)
RESOLUTIONS = (
    "Усунено пошкодження, послугу відновлено",
    "Замінено ділянку трубопроводу",
    "Проведено ремонт, перевірено роботу",
    "Відновлено живлення після заміни запобіжника",
    "Випущено повітря з системи, опалення працює",
    "Роботи виконано, акт складено",
    "Вивезено, територію прибрано",
)


# Applicants' ratings 1..5 (cumulative weights): mostly good when fixed in time, spread when late.
_RATING_IN_TIME = (3, 7, 17, 47, 100)
_RATING_LATE = (20, 40, 65, 85, 100)


def _h(rng: random.Random, lo: float, hi: float) -> timedelta:
    return timedelta(hours=rng.uniform(lo, hi))


def plan_life(rng: random.Random, *, registered_at: datetime, deadline: datetime, now: datetime,
              emergency: bool, reroutable: bool = True, fixed_at: datetime | None = None) -> Life:
    """The status steps of one appeal, with strictly increasing timestamps, cut at `now`.

    About one appeal in eight is resolved after its deadline, one in sixteen is rejected as not ours
    (and, when `reroutable`, sent to another provider), one in twenty-five is reopened after the fix;
    about half the applicants confirm and rate. Appeals registered recently are still open.
    `fixed_at` is when the cause was repaired (a burst main): the appeal is resolved soon after it.

    >>> t0 = datetime(2025, 3, 1, 9, 0, tzinfo=KYIV)
    >>> life = plan_life(random.Random(2), registered_at=t0, deadline=t0 + timedelta(days=3),
    ...                  now=t0 + timedelta(days=60), emergency=False)
    >>> [s.at for s in life.steps] == sorted(s.at for s in life.steps) and life.steps[0].status
    'registered'
    """
    span = deadline - registered_at
    steps = [Step(REGISTERED, registered_at, "dispatcher")]
    t = registered_at

    def go(status: str, dt: timedelta, actor: str, note: str = "") -> None:
        nonlocal t
        t = t + max(dt, timedelta(seconds=1))
        steps.append(Step(status, t, actor, note))

    life = Life(steps=steps, status=REGISTERED)
    roll = rng.random()
    if roll < 0.015:
        go(CANCELLED, _h(rng, 0.1, 6), "dispatcher", "Заявник відкликав звернення")
        return _cut(life, now, deadline)

    go(SENT, timedelta(seconds=rng.uniform(5, 120)), "system")
    if rng.random() < 0.06:
        life.rejection_reason = rng.choice(REJECTION_REASONS)
        go(REJECTED, _h(rng, 0.3, 8), "provider", life.rejection_reason)
        life.rejections += 1
        life.rerouted = reroutable
        go(SENT, _h(rng, 0.1, 2), "dispatcher", "Перенаправлено іншому виконавцю" if reroutable else "Повторно надіслано")
        if rng.random() < 0.12:
            go(REJECTED, _h(rng, 0.5, 8), "provider", rng.choice(REJECTION_REASONS))
            life.rejections += 1
            go(SENT, _h(rng, 0.2, 4), "dispatcher", "Повторно надіслано за рішенням диспетчера")
    # An emergency crew takes it up within a small part of the time allowed (a stuck lift: minutes).
    go(ACCEPTED, span * rng.uniform(0.02, 0.12) if emergency else _h(rng, 0.2, 10), "provider")
    go(IN_PROGRESS, span * rng.uniform(0.02, 0.12) if emergency else _h(rng, 0.5, 30), "provider")

    # How long the fix takes, relative to the time allowed: most well inside the deadline, a tail overdue.
    elapsed = t - registered_at
    if rng.random() < 0.08:
        fraction = rng.uniform(1.05, 3.0)
    else:
        fraction = min(rng.betavariate(2.0, 3.5), 0.98)
    target = registered_at + span * fraction
    if fixed_at is not None:
        target = fixed_at + _h(rng, 0.1, 3)
    go(RESOLVED, max(target - registered_at - elapsed, timedelta(minutes=10)), "provider", rng.choice(RESOLUTIONS))
    life.resolution = steps[-1].note

    if rng.random() < 0.04:
        go(REOPENED, _h(rng, 2, 72), "applicant", "Заявник повідомив, що проблема повторилась")
        life.reopenings += 1
        go(IN_PROGRESS, _h(rng, 0.5, 12), "provider")
        go(RESOLVED, _h(rng, 2, max(4.0, span.total_seconds() / 3600 * 0.5)), "provider", rng.choice(RESOLUTIONS))
    resolved_at = t
    late = resolved_at > deadline
    if rng.random() < 0.5:
        go(CONFIRMED, _h(rng, 1, 48), "applicant")
        life.confirmed = True
        cum = _RATING_LATE if late else _RATING_IN_TIME
        life.rating = 1 + bisect.bisect_left(cum, rng.random() * cum[-1])
    go(CLOSED, _h(rng, 12, 96), "system" if not life.confirmed else "dispatcher")
    return _cut(life, now, deadline)


def _cut(life: Life, now: datetime, deadline: datetime) -> Life:
    """Keep the steps up to `now` and derive the appeal's state from them."""
    steps = [s for s in life.steps if s.at <= now]
    life.steps = steps
    life.status = steps[-1].status
    statuses = [s.status for s in steps]
    life.rejections = statuses.count(REJECTED)
    life.reopenings = statuses.count(REOPENED)
    if CONFIRMED not in statuses:
        life.confirmed, life.rating = False, None
    if life.rejections == 0:
        life.rejection_reason, life.rerouted = "", False
    resolved = [s for s in steps if s.status == RESOLVED]
    # Resolved means resolved now: an appeal reopened and back in progress has no fix yet.
    life.resolved_at = resolved[-1].at if resolved and life.status not in OPEN_STATUSES else None
    if life.resolved_at is None:
        life.resolution = ""
    closed = [s for s in steps if s.status in (CLOSED, CANCELLED, DUPLICATE)]
    life.closed_at = closed[-1].at if closed else None
    if life.status in (CANCELLED, DUPLICATE):
        life.overdue = False
    elif life.resolved_at is not None:
        life.overdue = life.resolved_at > deadline
    else:
        life.overdue = now > deadline
    return life


# Online and Open311 filings without a name and phone are reports to the map, not formal appeals (citizens issue).
NO_CONTACT_SHARE = {"online": 0.35, "api": 0.25}
# Of the fixes closed without the applicant's word, the share where the callbacks found nobody (the rest were
# closed by the dispatcher without a callback: "не підтверджувалось").
UNREACHABLE_SHARE = 0.7
# A dispute ("not fixed") comes with a low rating about this often.
DISPUTE_RATED_SHARE = 0.4


@dataclass(frozen=True)
class Confirmation:
    """What the applicant said after the fix, as appeals.confirmation would have recorded it."""

    outcome: str = ""  # ConfirmationOutcome value
    at: datetime | None = None
    rating: int | None = None
    callback_attempts: int = 0


def confirmation_of(life: Life, *, has_phone: bool, side: random.Random, max_attempts: int = 3) -> Confirmation:
    """The confirmation outcome of a life: confirmed (with its rating), disputed (the applicant reopened it),
    unreachable (closed after the callbacks found nobody) or none. `side` is a stream of its own, so the rest of
    the history does not move when this changes; it is drawn the same number of times for every life.

    >>> t0 = datetime(2025, 3, 1, 9, 0, tzinfo=KYIV)
    >>> life = plan_life(random.Random(2), registered_at=t0, deadline=t0 + timedelta(days=3),
    ...                  now=t0 + timedelta(days=60), emergency=False)
    >>> c = confirmation_of(life, has_phone=True, side=random.Random(1))
    >>> c.outcome in ("confirmed", "unreachable", "") and (c.outcome != "confirmed" or c.rating == life.rating)
    True
    """
    x, y, z = side.random(), side.random(), side.random()
    by_status = {s.status: s for s in life.steps}
    if CONFIRMED in by_status:
        return Confirmation("confirmed", by_status[CONFIRMED].at, life.rating)
    if REOPENED in by_status and life.resolved_at is None:
        # The fix was disputed ("не виконано"): the appeal went back to the provider and is not fixed again yet
        # (a fix reported after the dispute waits for the applicant's word on it, as appeals.services records).
        return Confirmation("disputed", by_status[REOPENED].at, (1 if z < 0.6 else 2) if y < DISPUTE_RATED_SHARE else None)
    if life.status == CLOSED and life.resolved_at is not None and has_phone and x < UNREACHABLE_SHARE:
        return Confirmation("unreachable", by_status[CLOSED].at, None, max_attempts)
    return Confirmation()


def duplicate_life(rng: random.Random, *, registered_at: datetime, now: datetime, deadline: datetime,
                   of_number: str) -> Life:
    """An appeal the dispatcher marks as a duplicate of another (an online appeal about a known failure)."""
    steps = [Step(REGISTERED, registered_at, "dispatcher"),
             Step(DUPLICATE, registered_at + _h(rng, 0.1, 2), "dispatcher", f"Дублікат звернення {of_number}")]
    return _cut(Life(steps=steps, status=REGISTERED), now, deadline)


def status_at(life: Life, at: datetime) -> str | None:
    """The appeal's status at a moment (None before it was registered)."""
    current = None
    for step in life.steps:
        if step.at > at:
            break
        current = step.status
    return current


def escalation(life: Life, *, deadline: datetime, now: datetime, sweep_delay: timedelta) -> tuple[datetime, str] | None:
    """When and why level-2 control took the appeal, as the periodic sweep would have: the first of
    overdue (the sweep after the deadline, if the appeal was still open then), rejected twice, reopened.

    >>> t0 = datetime(2025, 3, 1, 9, 0, tzinfo=KYIV)
    >>> life = Life(steps=[Step(REGISTERED, t0, "dispatcher"), Step(SENT, t0 + timedelta(minutes=1), "system")],
    ...             status=SENT)
    >>> escalation(life, deadline=t0 + timedelta(hours=2), now=t0 + timedelta(days=1),
    ...            sweep_delay=timedelta(minutes=3))[1]
    'overdue'
    """
    found: list[tuple[datetime, str]] = []
    swept = deadline + sweep_delay
    if swept <= now and status_at(life, swept) in OPEN_STATUSES:
        found.append((swept, "overdue"))
    rejections = [s.at for s in life.steps if s.status == REJECTED]
    if len(rejections) >= 2:
        found.append((rejections[1], "rejected_twice"))
    reopenings = [s.at for s in life.steps if s.status == REOPENED]
    if reopenings:
        found.append((reopenings[0], "reopened"))
    return min(found) if found else None


# ---------------------------------------------------------------------------------------------------------
# Synthetic people: Ukrainian names, +380 phones, flats.
# ---------------------------------------------------------------------------------------------------------

SURNAMES = (
    "Шевченко", "Коваленко", "Бондаренко", "Ткаченко", "Кравченко", "Олійник", "Шевчук", "Поліщук",
    "Бойко", "Ткачук", "Мельник", "Марченко", "Лисенко", "Руденко", "Савченко", "Петренко", "Клименко",
    "Павленко", "Кузьменко", "Іваненко", "Гончаренко", "Мороз", "Левченко", "Харченко", "Карпенко",
    "Власенко", "Сидоренко", "Литвиненко", "Тимошенко", "Приходько", "Кириленко", "Романенко", "Панченко",
    "Гриценко", "Кучер", "Головко", "Костенко", "Захарченко", "Ковальчук", "Дорошенко", "Федоренко",
    "Яковенко", "Зінченко", "Дяченко", "Білоус", "Назаренко", "Мирошниченко", "Сергієнко", "Тарасенко",
    "Онищенко", "Щербак", "Степаненко", "Осадчий", "Гаврилюк", "Колесник", "Волошин", "Остапенко",
)
# Surnames in -енко/-ук/-ак and many others do not change with gender; these few do.
_FEMININE_SURNAME = {"Осадчий": "Осадча", "Волошин": "Волошина"}
MALE_NAMES = ("Олександр", "Сергій", "Володимир", "Андрій", "Микола", "Іван", "Віктор", "Юрій", "Олег",
              "Дмитро", "Василь", "Петро", "Михайло", "Анатолій", "Валерій", "Євген", "Ігор", "Геннадій")
FEMALE_NAMES = ("Олена", "Тетяна", "Наталія", "Ірина", "Світлана", "Людмила", "Оксана", "Галина",
                "Валентина", "Ніна", "Любов", "Надія", "Лариса", "Марія", "Юлія", "Вікторія", "Анна")
# Patronymics from the male names: (male form, female form).
PATRONYMICS = (("Олександрович", "Олександрівна"), ("Сергійович", "Сергіївна"), ("Володимирович", "Володимирівна"),
               ("Миколайович", "Миколаївна"), ("Іванович", "Іванівна"), ("Вікторович", "Вікторівна"),
               ("Петрович", "Петрівна"), ("Васильович", "Василівна"), ("Михайлович", "Михайлівна"),
               ("Анатолійович", "Анатоліївна"), ("Юрійович", "Юріївна"), ("Григорович", "Григорівна"))
# Ukrainian mobile operator codes (Kyivstar, Vodafone, lifecell) and Kramatorsk's landline code 626.
MOBILE_CODES = ("50", "66", "95", "99", "67", "68", "96", "97", "98", "63", "73", "93")


@dataclass(frozen=True)
class Person:
    name: str
    phone: str  # E.164: +380XXXXXXXXX


def mobile_phone(rng: random.Random) -> str:
    """A plausible Ukrainian mobile number in E.164.

    >>> p = mobile_phone(random.Random(1)); p.startswith("+380") and len(p) == 13 and p[1:].isdigit()
    True
    """
    return "+380" + rng.choice(MOBILE_CODES) + f"{rng.randrange(10_000_000):07d}"


def landline_phone(rng: random.Random) -> str:
    """A Kramatorsk landline (+380 626 XX XX XX)."""
    return "+380626" + f"{rng.randrange(400_000, 500_000):06d}"


def person(rng: random.Random) -> Person:
    """A synthetic applicant: surname, first name and patronymic, and a phone (one in eight a landline)."""
    female = rng.random() < 0.62  # most callers to the line are women
    surname = rng.choice(SURNAMES)
    if female:
        surname = _FEMININE_SURNAME.get(surname, surname)
        first, patronymic = rng.choice(FEMALE_NAMES), rng.choice(PATRONYMICS)[1]
    else:
        first, patronymic = rng.choice(MALE_NAMES), rng.choice(PATRONYMICS)[0]
    phone = landline_phone(rng) if rng.random() < 0.125 else mobile_phone(rng)
    return Person(name=f"{surname} {first} {patronymic}", phone=phone)


def seeded(seed: int, *parts: object) -> random.Random:
    """A Random seeded by the seed and some parts (stable across runs and Python versions).

    >>> seeded(1, "flat", 10, 5).random() == seeded(1, "flat", 10, 5).random()
    True
    """
    digest = hashlib.blake2b(repr((seed, *parts)).encode(), digest_size=8).digest()
    return random.Random(int.from_bytes(digest, "big"))


def resident(seed: int, *, building_id: int, flat: str) -> Person:
    """The person living in a flat: the same flat always gives the same name and phone (repeat callers)."""
    return person(seeded(seed, "resident", building_id, flat))


def random_flat(rng: random.Random, flats: int | None) -> str:
    """A flat number for an apartment block, or "" for a private house.

    >>> random_flat(random.Random(1), None), random_flat(random.Random(1), 1)
    ('', '')
    """
    if not flats or flats <= 1:
        return ""
    return str(rng.randint(1, flats))


# ---------------------------------------------------------------------------------------------------------
# Numbers and the mix of calls.
# ---------------------------------------------------------------------------------------------------------

def appeal_number(year: int, seq: int) -> str:
    """A number people can say on the phone (the format of appeals.services.format_number)."""
    return format_number(year=year, seq=seq)


@dataclass(frozen=True)
class Mix:
    """The shares that shape a history (defaults from the 1505 line's paper journals, rounded)."""

    consultation_share: float = 0.12  # of all calls: reference questions only, no appeal
    other_call_share: float = 0.03  # of all calls: wrong number, complaints about the line...
    repeat_rate: float = 0.18  # extra calls per appeal added to it ("we still have no water")
    status_rate: float = 0.16  # status inquiries per appeal
    online_share: float = 0.10  # of appeals: filed online (no call)
    api_share: float = 0.03  # of appeals: through the Open311 API
    walk_in_share: float = 0.02  # of appeals: at the reception desk
    burst_share: float = 0.14  # of phone appeals, roughly, that come from bursts (for calibration only)

    def phone_appeals_for_calls(self, calls: float) -> float:
        """How many phone appeals give `calls` calls in all, once repeats, inquiries and consultations are added.

        >>> round(Mix().phone_appeals_for_calls(30000))
        19030
        """
        per_appeal = 1.0 + self.repeat_rate + self.status_rate
        return calls * (1.0 - self.consultation_share - self.other_call_share) / per_appeal

    @property
    def phone_share(self) -> float:
        return 1.0 - self.online_share - self.api_share - self.walk_in_share


CONSULTATION_TOPICS = (
    ("Субсидія на оплату комунальних послуг", "Управління соціального захисту населення, вул. Паркова, 1"),
    ("Перерахунок за ненадані послуги", "Центр надання адміністративних послуг (ЦНАП)"),
    ("Графік відключень електроенергії", "РЕС, сайт обленерго"),
    ("Тарифи на воду та опалення", "Водоканал / тепломережа, абонентський відділ"),
    ("Довідка про склад сім'ї", "ЦНАП"),
    ("Пільги ветеранам та ВПО", "Управління соціального захисту населення"),
    ("Графік руху автобусів", "Відділ транспорту міської ради"),
    ("Вивезення великогабаритного сміття", "Оператор вивезення відходів"),
)


@dataclass
class Counters:
    """What a generation wrote (the command's report)."""

    calls: int = 0
    appeals: int = 0
    routes: int = 0
    history: int = 0
    bursts: int = 0
    by_outcome: dict[str, int] = field(default_factory=dict)

    def count_call(self, outcome: str) -> None:
        self.calls += 1
        self.by_outcome[outcome] = self.by_outcome.get(outcome, 0) + 1


def weighted_index(cumulative: Sequence[float], x: float) -> int:
    """The index i of the first cumulative weight >= x (bisect), for fast weighted choice.

    >>> weighted_index([1, 3, 6], 2.5), weighted_index([1, 3, 6], 0.2)
    (1, 0)
    """
    lo, hi = 0, len(cumulative) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if cumulative[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo


def cumulative(weights: Iterable[float]) -> list[float]:
    out, total = [], 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


# ---------------------------------------------------------------------------------------------------------
# Writing: read the registry once, route every building once, plan, stream rows with COPY.
# ---------------------------------------------------------------------------------------------------------

DEFAULT_SEED = 1505
DEFAULT_CALLS_PER_YEAR = 30_000

# Shares of the background appeals by category code (bursts come on top); an unknown code gets OTHER_SHARE.
# no_heating's share is spent in the heating season only (its seasonal factor is normalised over the year).
CATEGORY_SHARES = {
    "no_cold_water": 0.11, "no_hot_water": 0.08, "no_heating": 0.13, "no_power": 0.10, "lift_stuck": 0.07,
    "garbage": 0.08, "flat_leak": 0.09, "roof_leak": 0.05, "sewage": 0.08, "street_light": 0.05,
    "road_damage": 0.05, "transport": 0.03, "gas_smell": 0.02, "other": 0.04,
}
OTHER_SHARE = 0.02
BURST_CATEGORY = {"water": "no_cold_water", "power": "no_power", "heating": "no_heating"}

DESCRIPTIONS = {
    "no_cold_water": ("Немає холодної води з ранку", "Слабкий тиск, на верхніх поверхах води немає",
                      "Вода пішла іржава, потім зникла", "Немає води у всьому під'їзді"),
    "no_hot_water": ("Немає гарячої води третій день", "Гаряча вода ледь тепла", "Не йде гаряча вода по стояку"),
    "no_heating": ("Батареї холодні", "Холодні батареї в кутовій кімнаті, завоздушено",
                   "У квартирі +14, опалення не працює", "Стояк холодний, сусіди теж мерзнуть"),
    "no_power": ("Немає світла в під'їзді", "Немає світла у всьому будинку", "Іскрить щиток на поверсі",
                 "Зникла одна фаза, світло блимає"),
    "lift_stuck": ("Застряг ліфт між поверхами, всередині людина", "Ліфт не працює, зупинився з відчиненими дверима"),
    "garbage": ("Контейнери переповнені, не вивозять тиждень", "Сміття біля майданчика не вивезено"),
    "flat_leak": ("Затоплює зверху", "Тече стояк у ванній", "Протікає труба опалення в квартирі"),
    "roof_leak": ("Протікає дах над останнім поверхом", "Після дощу мокра стеля в під'їзді"),
    "sewage": ("Засмічення каналізації, вода стоїть у підвалі", "Вибиває каналізацію на першому поверсі"),
    "street_light": ("Не горять ліхтарі вздовж вулиці", "Не працює освітлення біля зупинки"),
    "road_damage": ("Велика яма на проїжджій частині", "Провал асфальту біля будинку"),
    "transport": ("Автобус не їздить за графіком", "Маршрутка не зупиняється на зупинці"),
    "gas_smell": ("Запах газу в під'їзді", "Пахне газом біля лічильника"),
}


@dataclass(frozen=True)
class Place:
    """A building as the generator needs it (metres in METRIC_SRID for neighbourhood searches)."""

    id: int
    lon: float
    lat: float
    x: float
    y: float
    kind: str
    flats: int | None
    floors: int | None
    residents: int
    address: str

    @property
    def ewkt(self) -> str:
        return f"SRID=4326;POINT({self.lon!r} {self.lat!r})"


@dataclass(frozen=True)
class Route:
    """How one building is routed for one service kind (a layers.routing.Decision without the ORM objects)."""

    service_kind: str
    outcome: str
    provider_id: int | None
    candidates: tuple[int, ...]
    rule: str
    reason: str
    area_id: int | None
    assignment_id: int | None

    @property
    def workable(self) -> bool:
        """A provider gets it: routed, or a dispatcher can pick a candidate (gap with a neighbour, overlap)."""
        return self.provider_id is not None or bool(self.candidates)


@dataclass(frozen=True)
class Cat:
    id: int
    code: str
    name: str
    kinds: tuple[str, ...]
    deadline_hours: int
    emergency: bool
    street_level: bool


@dataclass(slots=True)
class Planned:
    """One appeal to write: when, what, where, how it came in."""

    at: datetime
    cat: Cat
    place: Place
    channel: str
    fixed_at: datetime | None = None
    burst_label: str = ""
    added_calls: tuple[datetime, ...] = ()
    duplicate_of: Planned | None = None
    id: int = 0
    number: str = ""


@dataclass
class GenerationResult:
    counters: Counters
    skipped: bool = False
    existing: int = 0
    seconds: float = 0.0
    dropped_categories: tuple[str, ...] = ()


def season_mean(kinds: Sequence[str]) -> float:
    """The mean of category_season over a (non-leap) year: divides it out so a share is a share of the year."""
    days = [date(2001, 1, 1) + timedelta(days=i) for i in range(365)]
    return sum(category_season(kinds, d) for d in days) / len(days)


def building_weight(place: Place, cat: Cat) -> float:
    """How likely an appeal of this category comes from this building (0: never)."""
    kinds = set(cat.kinds)
    if "lift" in kinds:
        tall = (place.floors or 0) >= 6 or (place.floors is None and (place.flats or 0) >= 40)
        return float(place.residents) if place.kind == "apartment" and tall else 0.0
    if cat.street_level:
        return 1.0 + place.residents / 50.0
    if kinds & {"heating", "hot_water"} and place.kind != "apartment":
        return 0.0  # the heating network serves apartment blocks; houses heat themselves
    return float(max(place.residents, 1))


# --- reading the registry -------------------------------------------------------------------------------

_PLACES_SQL = """
SELECT b.id, ST_X(b.point), ST_Y(b.point),
       ST_X(ST_Transform(b.point, %(metric)s)), ST_Y(ST_Transform(b.point, %(metric)s)),
       b.kind, b.flats, b.floors, b.residents, s.street_type, s.name, b.housenumber
FROM layers_building b LEFT JOIN layers_street s ON s.id = b.street_id
WHERE %(source)s::text IS NULL OR b.source = %(source)s::text
ORDER BY b.id
"""


def load_places(*, source: str | None = None) -> list[Place]:
    """Every building (or those of one source, e.g. "demo"), with its point in degrees and in metres."""
    out = []
    with connection.cursor() as cursor:
        cursor.execute(_PLACES_SQL, {"metric": METRIC_SRID, "source": source})
        for bid, lon, lat, x, y, kind, flats, floors, residents, stype, sname, number in cursor.fetchall():
            if residents is None:
                residents = round((flats or 1) * 2.3) if kind == "apartment" else 3
            address = f"{stype} {sname}, {number}" if sname else (number or f"#{bid}")
            out.append(Place(bid, lon, lat, x, y, kind, flats, floors, int(residents), address))
    return out


def load_categories() -> list[Cat]:
    """The categories that make appeals (consultations are calls only), with their service kinds."""
    out = []
    for c in Category.objects.filter(is_consultation=False).prefetch_related("service_kinds").order_by("id"):
        kinds = tuple(sorted(k.code for k in c.service_kinds.all()))
        if kinds:
            out.append(Cat(c.id, c.code, c.name_uk, kinds, c.deadline_hours, c.is_emergency, c.street_level))
    return out


def _route_of(decision: routing.Decision) -> Route:
    return Route(
        service_kind=decision.service_kind, outcome=decision.outcome,
        provider_id=decision.provider.pk if decision.provider is not None else None,
        candidates=tuple(p.pk for p in decision.candidates), rule=decision.rule, reason=decision.reason,
        area_id=decision.area_id, assignment_id=decision.assignment_id,
    )


class RouteCache(dict):
    """building id → {service kind: Route}, routed on first use through layers.routing.route_building itself
    (the live intake's routing), once per building rather than once per appeal: a building's providers do
    not change within the generated history (the registry is taken as it is at its end).
    """

    def __init__(self, places: Iterable[Place], *, kinds: Iterable[str], at: date):
        super().__init__()
        self.places = {p.id: p for p in places}
        self.kinds = sorted(set(kinds))
        self.at = at

    def __missing__(self, place_id: int) -> dict[str, Route]:
        place = self.places[place_id]
        building = Building(id=place.id, point=Point(place.lon, place.lat, srid=STORAGE_SRID))
        routed = {d.service_kind: _route_of(d)
                  for d in routing.route_building(building=building, service_kinds=self.kinds, at=self.at)}
        self[place_id] = routed
        return routed

    def workable(self, place: Place, kinds: Iterable[str]) -> bool:
        """Every service kind has a provider here (routed, or one a dispatcher can pick)."""
        mine = self[place.id]
        return all(k in mine and mine[k].workable for k in kinds)


# --- planning ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Pool:
    """The buildings an appeal of a category can come from, with cumulative weights for a weighted pick."""

    cat: Cat
    places: tuple[Place, ...]
    cumulative: tuple[float, ...]

    def pick(self, rng: random.Random, routes: RouteCache, *, tries: int = 8) -> Place | None:
        """A building, by weight, where every service kind of the category is workable (None after `tries`)."""
        for _ in range(tries):
            place = self.places[bisect.bisect_left(self.cumulative, rng.random() * self.cumulative[-1])]
            if routes.workable(place, self.cat.kinds):
                return place
        return None


def build_pools(places: Sequence[Place], cats: Sequence[Cat], routes: RouteCache, *, seed: int) -> list[Pool]:
    """One pool per category whose buildings (by weight) are, at least sometimes, served for all its kinds."""
    pools = []
    for cat in cats:
        chosen, weights = [], []
        for place in places:
            w = building_weight(place, cat)
            if w > 0:
                chosen.append(place)
                weights.append(w)
        if not chosen:
            continue
        pool = Pool(cat, tuple(chosen), tuple(cumulative(weights)))
        if pool.pick(seeded(seed, "probe", cat.code), routes, tries=40) is not None:
            pools.append(pool)
    return pools


def _channel(rng: random.Random, mix: Mix) -> str:
    x = rng.random()
    for channel, share in (("online", mix.online_share), ("api", mix.api_share), ("walk_in", mix.walk_in_share)):
        if x < share:
            return channel
        x -= share
    return "phone"


def _days(start: date, end: date) -> Iterable[date]:
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


_WEEKDAY_MEAN = sum(WEEKDAY_FACTOR) / 7


def plan_background(rng: random.Random, pools: Sequence[Pool], routes: RouteCache, *, start: date, now: datetime,
                    appeals_per_year: float, mix: Mix) -> list[Planned]:
    """Appeals of the ordinary flow: per day and category a Poisson count shaped by season and weekday."""
    total_share = sum(CATEGORY_SHARES.get(p.cat.code, OTHER_SHARE) for p in pools) or 1.0
    rates = [(pool, appeals_per_year / 365.0 * CATEGORY_SHARES.get(pool.cat.code, OTHER_SHARE) / total_share
              / season_mean(pool.cat.kinds)) for pool in pools]
    out = []
    for day in _days(start, now.astimezone(KYIV).date()):
        weekday = WEEKDAY_FACTOR[day.weekday()] / _WEEKDAY_MEAN
        for pool, rate in rates:
            for _ in range(poisson(rng, rate * category_season(pool.cat.kinds, day) * weekday)):
                at = random_time_of_day(rng, day)
                place = pool.pick(rng, routes)
                if at <= now and place is not None:
                    out.append(Planned(at=at, cat=pool.cat, place=place, channel=_channel(rng, mix)))
    return out


class Grid:
    """Buildings bucketed in square cells (metres) for "which buildings lie within r of here"."""

    def __init__(self, places: Iterable[Place], cell_m: float = 400.0):
        self.cell = cell_m
        self.cells: dict[tuple[int, int], list[Place]] = {}
        for p in places:
            self.cells.setdefault((int(p.x // cell_m), int(p.y // cell_m)), []).append(p)

    def near(self, x: float, y: float, radius_m: float) -> list[Place]:
        reach = int(radius_m // self.cell) + 1
        cx, cy = int(x // self.cell), int(y // self.cell)
        r2 = radius_m * radius_m
        out = []
        for i in range(cx - reach, cx + reach + 1):
            for j in range(cy - reach, cy + reach + 1):
                for p in self.cells.get((i, j), ()):
                    if (p.x - x) ** 2 + (p.y - y) ** 2 <= r2:
                        out.append(p)
        out.sort(key=lambda p: ((p.x - x) ** 2 + (p.y - y) ** 2, p.id))
        return out


MAX_BURST_BUILDINGS = 80


def plan_burst_appeals(rng: random.Random, bursts: Sequence[Burst], pools: Sequence[Pool],
                       routes: RouteCache, *, now: datetime) -> tuple[list[Planned], int]:
    """The appeals of each failure: the buildings near it served by the same provider call within hours,
    the first call of a building opens an appeal, the neighbours' calls are added to it, some file
    online as well (a duplicate). Returns the appeals and how many failures produced any."""
    by_code = {p.cat.code: p for p in pools}
    grids: dict[str, tuple[Grid, frozenset[int]]] = {}
    out: list[Planned] = []
    used = 0
    for burst in bursts:
        code = BURST_CATEGORY.get(burst.service_kind)
        if burst.service_kind == "heating" and not in_heating_season(burst.start.date()):
            code = "no_hot_water"
        pool = by_code.get(code or "")
        if pool is None or burst.start > now:
            continue
        if code not in grids:
            grids[code] = (Grid(pool.places), frozenset(p.id for p in pool.places))
        grid, members = grids[code]
        kind = pool.cat.kinds[0]
        epicentre = pool.pick(rng, routes)
        if epicentre is None:
            continue
        provider = routes[epicentre.id][kind].provider_id
        hit = [p for p in grid.near(epicentre.x, epicentre.y, burst.radius_m)
               if p.id in members and routes.workable(p, pool.cat.kinds)
               and routes[p.id][kind].provider_id == provider][:MAX_BURST_BUILDINGS]
        fixed_at = burst.start + timedelta(hours=burst.hours * rng.uniform(0.9, 1.3))
        any_call = False
        for place in hit:
            lo, hi = burst.calls_per_building
            n = rng.randint(lo, hi if place.kind == "apartment" else min(hi, 2))
            times = [burst.start + off for off in burst_offsets(rng, n=n, hours=burst.hours)]
            times = [t for t in times if t <= now]
            if not times:
                continue
            any_call = True
            main = Planned(at=times[0], cat=pool.cat, place=place, channel="phone", fixed_at=fixed_at,
                           burst_label=burst.kind.label, added_calls=tuple(times[1:]))
            out.append(main)
            if rng.random() < 0.06:
                dup_at = times[0] + _h(rng, 0.5, 3)
                if dup_at <= now:
                    out.append(Planned(at=dup_at, cat=pool.cat, place=place, channel="online",
                                       burst_label=burst.kind.label, duplicate_of=main))
        used += any_call
    return out, used


def plan_plain_calls(rng: random.Random, *, start: date, now: datetime, calls_per_year: float,
                     mix: Mix) -> list[tuple[datetime, str, str, str]]:
    """Consultations and other calls (no appeal): (started_at, outcome, office, note)."""
    out = []
    for day in _days(start, now.astimezone(KYIV).date()):
        weekday = WEEKDAY_FACTOR[day.weekday()] / _WEEKDAY_MEAN
        for outcome, share in (("consultation", mix.consultation_share), ("other", mix.other_call_share)):
            for _ in range(poisson(rng, calls_per_year / 365.0 * share * weekday)):
                at = random_time_of_day(rng, day)
                if at > now:
                    continue
                if outcome == "consultation":
                    topic, office = rng.choice(CONSULTATION_TOPICS)
                    out.append((at, outcome, office, topic))
                else:
                    out.append((at, outcome, "", rng.choice(("Помилковий дзвінок", "Скарга на роботу лінії",
                                                              "Подяка диспетчеру", "Перервався зв'язок"))))
    out.sort(key=lambda c: c[0])
    return out


# --- writing ----------------------------------------------------------------------------------------------

class _Table:
    """Rows for one model, in the order of its concrete columns, defaults filled in (COPY needs every column)."""

    def __init__(self, model, *, with_id: bool):
        fields = [f for f in model._meta.concrete_fields if with_id or not f.primary_key]
        self.name = model._meta.db_table
        self.columns = [f.column for f in fields]
        self.index = {f.attname: i for i, f in enumerate(fields)}
        self.defaults = [self._default(f) for f in fields]
        self.rows: list[list] = []

    @staticmethod
    def _default(f) -> object:
        if f.has_default():
            value = f.get_default()
            return json.dumps(value) if isinstance(f, models.JSONField) else value
        return None

    def add(self, **values: object) -> None:
        row = list(self.defaults)
        index = self.index
        for name, value in values.items():
            row[index[name]] = value
        self.rows.append(row)

    def flush(self, cursor) -> int:
        if not self.rows:
            return 0
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(self.name), sql.SQL(", ").join(sql.Identifier(c) for c in self.columns))
        with cursor.copy(statement) as copy:
            for row in self.rows:
                copy.write_row(row)
        n, self.rows = len(self.rows), []
        return n


_PROVIDER_STEPS = frozenset({ACCEPTED, REJECTED, IN_PROGRESS, RESOLVED})
SWEEP_DELAY = timedelta(minutes=3)  # the escalation job runs every few minutes


class _Writer:
    def __init__(self, *, seed: int, now: datetime, mix: Mix, routes: RouteCache,
                 counters: Counters):
        from appeals.models import Appeal, AppealEvent, AppealRoute, Call

        self.seed, self.now, self.mix, self.routes, self.counters = seed, now, mix, routes, counters
        self.appeals = _Table(Appeal, with_id=True)
        self.routes_t = _Table(AppealRoute, with_id=False)
        self.events = _Table(AppealEvent, with_id=False)
        self.calls = _Table(Call, with_id=False)
        self.people: dict[tuple[int, str], Person] = {}
        kinds_providers: dict[str, set[int]] = {}
        for per_kind in routes.values():
            for kind, r in per_kind.items():
                if r.provider_id is not None:
                    kinds_providers.setdefault(kind, set()).add(r.provider_id)
        self.providers_of_kind = {k: sorted(v) for k, v in kinds_providers.items()}
        self.provider_names = {p.pk: str(p) for p in Provider.objects.all()}
        # One stream for every appeal, in plan order: as deterministic as the plan, and cheap.
        self.rng = seeded(seed, "appeals")
        # Who gave contacts and what they said after the fix: a stream of its own, so adding it moved nothing else.
        self.side = seeded(seed, "contacts-confirmation")
        self.max_attempts = settings.CALLBACK_MAX_ATTEMPTS
        self._json_cache: dict[tuple, str] = {}
        self._candidates_cache: dict[tuple[int, ...], str] = {}

    def _json(self, key: tuple, value: dict) -> str:
        text = self._json_cache.get(key)
        if text is None:
            text = self._json_cache[key] = json.dumps(value, ensure_ascii=False)
        return text

    def candidates(self, ids: Iterable[int]) -> str:
        # The same shape as appeals.services writes: [{"id": ..., "name": ...}].
        key = tuple(ids)
        text = self._candidates_cache.get(key)
        if text is None:
            text = self._candidates_cache[key] = json.dumps(
                [{"id": i, "name": self.provider_names.get(i, "")} for i in key], ensure_ascii=False)
        return text

    @staticmethod
    def summary(row: dict) -> dict:
        return {"service_kind": row["service_kind_id"], "provider_id": row["provider_id"], "outcome": row["outcome"],
                "rule": row["rule"], "reason": row["reason"]}

    def person(self, place: Place, flat: str) -> Person:
        key = (place.id, flat)
        p = self.people.get(key)
        if p is None:
            p = self.people[key] = resident(self.seed, building_id=place.id, flat=flat)
        return p

    def flush(self, cursor) -> None:
        for table in (self.appeals, self.routes_t, self.events, self.calls):
            table.flush(cursor)

    def add_plain_call(self, at: datetime, outcome: str, office: str, note: str, rng: random.Random) -> None:
        self.calls.add(phone=mobile_phone(rng), started_at=at, outcome=outcome, consultation_office=office, note=note)
        self.counters.count_call(outcome)

    def add_appeal(self, p: Planned) -> None:
        rng = self.rng
        cat, place, now = p.cat, p.place, self.now
        deadline = compute_deadline(registered_at=p.at, hours=cat.deadline_hours, is_emergency=cat.emergency)
        extension_reason = ""
        if not cat.emergency and p.duplicate_of is None and rng.random() < 0.03:
            extension_reason = "Потрібна додаткова перевірка та закупівля матеріалів"
            deadline = min(extension_ceiling(registered_at=p.at), deadline + timedelta(days=rng.randint(5, 20)))
        primary = cat.kinds[0]
        current = {k: self.routes[place.id][k] for k in cat.kinds}
        alternatives = [x for x in self.providers_of_kind.get(primary, ())
                        if x != (current[primary].provider_id or current[primary].candidates[0])]
        if p.duplicate_of is not None:
            life = duplicate_life(rng, registered_at=p.at, now=now, deadline=deadline, of_number=p.duplicate_of.number)
        else:
            life = plan_life(rng, registered_at=p.at, deadline=deadline, now=now, emergency=cat.emergency,
                             reroutable=bool(alternatives), fixed_at=p.fixed_at)
        flat = random_flat(rng, place.flats) if place.kind == "apartment" else ""
        applicant = self.person(place, flat)
        formal = not (self.side.random() < NO_CONTACT_SHARE.get(p.channel, 0.0))
        confirmation = confirmation_of(life, has_phone=formal, side=self.side, max_attempts=self.max_attempts)
        events: list[tuple[datetime, int, dict]] = []  # (at, order, values): sorted by time at the end

        def event(at: datetime, action: str, *, from_status: str = "", to_status: str = "", note: str = "",
                  data: str = "{}") -> None:
            events.append((at, len(events), {"at": at, "action": action, "from_status": from_status,
                                             "to_status": to_status, "note": note, "data": data}))

        # Routes: one per service kind, as routing decided; a dispatcher picks for a gap or an overlap.
        routed_at = p.at + timedelta(seconds=1)
        active: dict[str, int] = {}  # kind -> index in route rows of this appeal
        rows: list[dict] = []
        for kind in cat.kinds:
            r = current[kind]
            rows.append({"service_kind_id": kind, "provider_id": r.provider_id, "outcome": r.outcome, "rule": r.rule,
                         "reason": r.reason, "area_id": r.area_id, "assignment_id": r.assignment_id,
                         "candidates": self.candidates(r.candidates), "active": True, "created_at": routed_at})
            active[kind] = len(rows) - 1
            if r.provider_id is None:
                chosen = r.candidates[0]
                rows[-1].update(active=False, ended_at=routed_at + timedelta(seconds=2))
                rows.append({"service_kind_id": kind, "provider_id": chosen, "outcome": "manual", "rule": "manual",
                             "reason": "Виконавця обрав диспетчер серед запропонованих маршрутизацією",
                             "candidates": self.candidates(r.candidates), "active": True,
                             "created_at": routed_at + timedelta(seconds=2)})
                active[kind] = len(rows) - 1
        event(p.at, "created", to_status=REGISTERED, note=p.burst_label,
              data=self._json(("created", p.channel), {"channel": p.channel, "generated": self.seed}))
        summaries = [self.summary(row) for row in rows]
        event(routed_at, "routed", data=self._json(("routed", *(tuple(x.values()) for x in summaries)),
                                                   {"routes": summaries}))
        original = rows[active[primary]]["provider_id"]
        previous = REGISTERED
        last_report = None
        for step in life.steps[1:]:
            if step.status == REJECTED:
                rows[active[primary]].update(active=False, rejected=True, rejection_reason=step.note, ended_at=step.at)
            elif step.status == SENT and previous == REJECTED:
                rejected_provider = rows[active[primary]]["provider_id"]
                if life.rerouted and rejected_provider == original:
                    new_provider = rng.choice(alternatives)
                else:
                    new_provider = original
                rows.append({"service_kind_id": primary, "provider_id": new_provider, "outcome": "manual",
                             "rule": "manual", "reason": step.note, "candidates": self.candidates([new_provider]),
                             "active": True, "created_at": step.at})
                active[primary] = len(rows) - 1
                event(step.at, "routed", note=step.note,
                      data=json.dumps({"routes": [self.summary(rows[-1])]}, ensure_ascii=False))
            note = step.note
            if step.status == SENT and previous == REGISTERED:
                note = "передано автоматично за маршрутом"
            event(step.at, "status", from_status=previous, to_status=step.status, note=note,
                  data=self._json(("by", step.actor), {"by": step.actor}))
            if step.status in _PROVIDER_STEPS:
                last_report = step.at
            previous = step.status
        for row in rows:
            self.routes_t.add(appeal_id=p.id, **row)
        self.counters.routes += len(rows)

        # Level-2 control, as the sweep would have done it, and a plan date from the supervisor.
        escalated = escalation(life, deadline=deadline, now=now, sweep_delay=SWEEP_DELAY)
        plan_date = None
        if escalated is not None:
            at, reason = escalated
            held = status_at(life, at) or REGISTERED
            event(at, "escalated", from_status=held, to_status=held, note=reason,
                  data=self._json(("escalated", reason), {"level": 2, "reason": reason}))
            plan_at = at + _h(rng, 1, 30)
            if rng.random() < 0.6 and plan_at <= now:
                plan_date = (plan_at + timedelta(days=rng.randint(1, 5))).astimezone(KYIV).date()
                event(plan_at, "plan", note=plan_date.isoformat(), data=json.dumps({"plan_date": plan_date.isoformat()}))
        if extension_reason:
            event(p.at + _h(rng, 2, 48), "extended", note=extension_reason,
                  data=json.dumps({"deadline": deadline.isoformat()}))

        # Calls: the one that opened it, neighbours and repeats added to it, inquiries about it.
        if p.channel == "phone":
            self._call(p.at - timedelta(seconds=rng.uniform(60, 300)), "new_appeal", p.id, applicant.phone)
        end = life.resolved_at or life.closed_at or now
        added = list(p.added_calls)
        if p.duplicate_of is None and not p.added_calls:
            added += [p.at + (end - p.at) * rng.random() for _ in range(poisson(rng, self.mix.repeat_rate))]
        for at in sorted(added):
            if at > end or at <= p.at:
                continue
            caller = applicant if rng.random() < 0.5 and not p.added_calls else self.person(
                place, random_flat(rng, place.flats) if place.kind == "apartment" else "")
            self._call(at, "added", p.id, caller.phone)
            event(at, "call", note="Повторний дзвінок", data=self._json(("call",), {"outcome": "added"}))
        inquiry_rate = self.mix.status_rate / 1.14 * (2.0 if life.overdue else 1.0)
        horizon = min(life.closed_at or now, p.at + timedelta(days=40))
        for _ in range(poisson(rng, inquiry_rate) if p.duplicate_of is None else 0):
            at = p.at + timedelta(hours=1) + (horizon - p.at - timedelta(hours=1)) * rng.random()
            if p.at < at <= now:
                self._call(at, "status", p.id, applicant.phone)

        events.sort(key=lambda e: (e[0], e[1]))
        # Every write to the appeal row (status steps, escalation, plan date, extension) bumps its version.
        writes = [e[0] for e in events if e[2]["action"] in ("status", "escalated", "plan", "extended")]
        changed_at = max([life.steps[-1].at, *writes])
        version = 1 + len(writes)
        for _at, _order, values in events:
            self.events.add(appeal_id=p.id, **values)
        self.counters.history += len(events)

        description = rng.choice(DESCRIPTIONS.get(cat.code, (cat.name,)))
        if p.burst_label:
            description = f"{description}. Ймовірно: {p.burst_label.lower()}"
        escalated_at, escalation_reason = escalated if escalated else (None, "")
        self.appeals.add(
            id=p.id, number=p.number, channel=p.channel, category_id=cat.id, building_id=place.id, point=place.ewkt,
            address_text=place.address + (f", кв. {flat}" if flat and formal else ""), description=description,
            flat=flat if formal else "", applicant_name=applicant.name if formal else "",
            applicant_phone=applicant.phone if formal else "", is_formal=formal, status=life.status,
            created_at=p.at, updated_at=changed_at, deadline=deadline,
            deadline_extended=bool(extension_reason), deadline_extension_reason=extension_reason,
            resolved_at=life.resolved_at, closed_at=life.closed_at, resolution=life.resolution,
            last_report_at=last_report, control_level=2 if escalated else 0, escalated_at=escalated_at,
            escalation_reason=escalation_reason, plan_date=plan_date, rejection_count=life.rejections,
            reopen_count=life.reopenings, duplicate_of_id=p.duplicate_of.id if p.duplicate_of else None,
            rating=confirmation.rating, confirmation=confirmation.outcome, confirmed_at=confirmation.at,
            callback_attempts=confirmation.callback_attempts, version=version,
        )
        self.counters.appeals += 1

    def _call(self, at: datetime, outcome: str, appeal_id: int, phone: str) -> None:
        self.calls.add(phone=phone, started_at=at, outcome=outcome, appeal_id=appeal_id)
        self.counters.count_call(outcome)


# --- the entry point ----------------------------------------------------------------------------------------

def default_now() -> datetime:
    """The end of the history: the current hour in Kyiv (so a run within one hour is reproducible)."""
    return timezone.now().astimezone(KYIV).replace(minute=0, second=0, microsecond=0)


def generated_count() -> int:
    """How many generated appeals the database holds (their "created" event carries the generator's seed)."""
    from appeals.models import AppealEvent

    return AppealEvent.objects.filter(action="created", data__has_key="generated").count()


def has_generated() -> bool:
    """Whether a generated history is there (one indexed-free probe that stops at the first hit)."""
    from appeals.models import AppealEvent

    return AppealEvent.objects.filter(action="created", data__has_key="generated").exists()


def _appeal_models() -> tuple:
    """Every table of the appeals app but the staff profiles (who works here is not history): appeals, calls,
    routes, history, shift reports, number counters — and whatever the app gains later (outbox, photos,
    subscriptions), so a replace never trips over a table it did not know."""
    from django.apps import apps

    from appeals.models import StaffProfile

    return tuple(m for m in apps.get_app_config("appeals").get_models() if m is not StaffProfile)


def clear_appeal_tables() -> None:
    """Empty every appeal table (see _appeal_models); rows of other apps that point at them go too (CASCADE)."""
    tables = [mdl._meta.db_table for mdl in _appeal_models()]
    with connection.cursor() as cursor:
        # Deferred foreign-key checks of rows written earlier in this transaction must run before a TRUNCATE.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        # The history refuses TRUNCATE (migration 0005) except for a superuser who says so in this transaction.
        cursor.execute("SET LOCAL ecity.allow_history_truncate = 'on'")
        cursor.execute(sql.SQL("TRUNCATE {} CASCADE").format(sql.SQL(", ").join(sql.Identifier(t) for t in tables)))
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def plan_history(*, seed: int, pools: Sequence[Pool], routes: RouteCache, now: datetime,
                 years: float, calls_per_year: float, count: int | None, mix: Mix
                 ) -> tuple[list[Planned], list[tuple[datetime, str, str, str]], int]:
    """Every appeal (sorted by time) and every plain call of the history, and how many failures there were.

    With `count`, every rate scales (a bigger city) and the plan is trimmed at random to exactly `count`.
    """
    start = (now - timedelta(days=round(365.25 * years))).date()
    span_years = max((now.date() - start).days, 1) / 365.25
    appeals_per_year = mix.phone_appeals_for_calls(calls_per_year) / mix.phone_share
    for margin in (1.1, 1.3, 1.7, 2.5):
        rng = random.Random(seed)
        scale = 1.0 if count is None else count / (appeals_per_year * span_years) * margin
        bursts = plan_bursts(rng, start=start, end=now.date() + timedelta(days=1), scale=scale)
        burst_appeals, bursts_used = plan_burst_appeals(rng, bursts, pools, routes, now=now)
        if count is not None:
            background = max(count * margin - len(burst_appeals), 0.0) / span_years
        else:
            # The calls budget: what consultations and failures leave, at (new + repeats + inquiries) per appeal.
            burst_calls = sum((p.channel == "phone") + len(p.added_calls) + mix.status_rate for p in burst_appeals)
            appeal_calls = calls_per_year * (1.0 - mix.consultation_share - mix.other_call_share) * span_years
            per_appeal = mix.phone_share + mix.repeat_rate + mix.status_rate
            background = max(appeal_calls - burst_calls, 0.0) / per_appeal / span_years
        plan = plan_background(rng, pools, routes, start=start, now=now, appeals_per_year=background, mix=mix)
        plan += burst_appeals
        if count is None or len(plan) >= count:
            break
    plan.sort(key=lambda p: (p.at, p.place.id, p.cat.id))
    if count is not None and len(plan) > count:
        keep = set(rng.sample(range(len(plan)), count))
        trimmed = {id(p) for i, p in enumerate(plan) if i not in keep}
        plan = [p for i, p in enumerate(plan) if i in keep]
        for p in plan:  # a duplicate whose original was trimmed becomes an ordinary online appeal
            if p.duplicate_of is not None and id(p.duplicate_of) in trimmed:
                p.duplicate_of = None
    plain_calls = plan_plain_calls(rng, start=start, now=now, calls_per_year=calls_per_year * scale, mix=mix)
    return plan, plain_calls, bursts_used


def generate_history(*, seed: int = DEFAULT_SEED, years: float = 3.0, calls_per_year: float = DEFAULT_CALLS_PER_YEAR,
                     count: int | None = None, now: datetime | None = None, replace: bool = False,
                     mix: Mix | None = None, source: str | None = None, batch: int = 20_000,
                     log=None) -> GenerationResult:
    """Write a history of `years` years ending at `now`: ~calls_per_year calls a year, or exactly `count` appeals.

    Does nothing if a generated history is already there, unless `replace` (which empties every appeal
    table first). Atomic: either the whole history is written or nothing. `source` limits it to the
    buildings of one source (the benchmarks keep their imported test buildings out of it).
    """
    from appeals.models import Appeal, AppealNumberCounter

    refuse_in_production("generate_appeals")
    started = time_.perf_counter()
    mix = mix or Mix()
    now = (now or default_now()).astimezone(KYIV)

    def say(msg: str) -> None:
        if log is not None:
            log(f"[{time_.perf_counter() - started:6.1f} s] {msg}")

    counters = Counters()
    with transaction.atomic():
        if not replace and has_generated():
            return GenerationResult(counters, skipped=True, existing=Appeal.objects.count(),
                                    seconds=time_.perf_counter() - started)
        if replace:
            clear_appeal_tables()
        places = load_places(source=source)
        cats = load_categories()
        routes = RouteCache(places, kinds={k for c in cats for k in c.kinds}, at=now.date())
        pools = build_pools(places, cats, routes, seed=seed)
        dropped = tuple(sorted({c.code for c in cats} - {p.cat.code for p in pools}))
        say(f"{len(places)} buildings, {len(pools)} categories ({', '.join(dropped) or 'none'} without buildings)")

        plan, plain_calls, counters.bursts = plan_history(
            seed=seed, pools=pools, routes=routes, now=now, years=years, calls_per_year=calls_per_year,
            count=count, mix=mix)
        say(f"planned {len(plan)} appeals ({counters.bursts} failures), {len(plain_calls)} consultations and other "
            f"calls; {len(routes)} buildings routed")

        with connection.cursor() as cursor:
            cursor.execute(sql.SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(sql.Identifier(Appeal._meta.db_table)))
            cursor.execute(sql.SQL("SELECT coalesce(max(id), 0) FROM {}").format(sql.Identifier(Appeal._meta.db_table)))
            (next_id,) = cursor.fetchone()
        seq: dict[int, int] = dict(AppealNumberCounter.objects.values_list("year", "last"))
        for p in plan:
            next_id += 1
            year = p.at.astimezone(KYIV).year
            seq[year] = seq.get(year, 0) + 1
            p.id, p.number = next_id, appeal_number(year, seq[year])

        writer = _Writer(seed=seed, now=now, mix=mix, routes=routes, counters=counters)
        raw = connection.connection  # psycopg: COPY straight into the tables
        with raw.cursor() as cursor:
            for i, p in enumerate(plan, start=1):
                writer.add_appeal(p)
                if i % batch == 0:
                    writer.flush(cursor)
                    say(f"  {i} appeals written")
            call_rng = seeded(seed, "plain calls")
            for at, outcome, office, note in plain_calls:
                writer.add_plain_call(at, outcome, office, note, call_rng)
            writer.flush(cursor)
            cursor.execute(
                sql.SQL("SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT max(id) FROM {}))").format(
                    sql.Identifier(Appeal._meta.db_table)),
                [Appeal._meta.db_table],
            )
        for year, last in seq.items():
            AppealNumberCounter.objects.update_or_create(year=year, defaults={"last": last})
    # Fresh planner statistics: a million new rows otherwise look like an empty table to the planner.
    with connection.cursor() as cursor:
        for model in _appeal_models():
            cursor.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(model._meta.db_table)))
    return GenerationResult(counters, dropped_categories=dropped, seconds=time_.perf_counter() - started)
