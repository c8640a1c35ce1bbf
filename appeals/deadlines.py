"""Deadlines of appeals, in Europe/Kyiv. Pure functions, no database.

Rules:
- Emergency categories count in hours from registration (a clock, DST included).
- Other categories count in calendar days in Kyiv: the deadline is the end of the
  last day (23:59:59 local), so a DST change never moves it.
- The Law of Ukraine "On citizens' appeals", art. 20: an appeal is resolved within
  one month; one needing no extra study within 15 days. A category may not ask for
  more than the month (LEGAL_CEILING_DAYS).
- An extension is allowed up to 45 days from registration in total
  (EXTENSION_CEILING_DAYS), only with a recorded reason.

>>> from datetime import datetime
>>> at = datetime(2026, 3, 28, 10, 0, tzinfo=KYIV)  # the day before the spring DST change
>>> compute_deadline(registered_at=at, hours=4, is_emergency=True).isoformat()
'2026-03-28T14:00:00+02:00'
>>> compute_deadline(registered_at=at, hours=3 * 24, is_emergency=False).isoformat()
'2026-03-31T23:59:59+03:00'
>>> compute_deadline(registered_at=at, hours=90 * 24, is_emergency=False).isoformat()  # capped at 30 days
'2026-04-27T23:59:59+03:00'
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

KYIV = ZoneInfo("Europe/Kyiv")
NO_EXTRA_STUDY_DAYS = 15
LEGAL_CEILING_DAYS = 30
EXTENSION_CEILING_DAYS = 45
_END_OF_DAY = time(23, 59, 59)


class DeadlineError(ValueError):
    """A deadline change that the law or the rules do not allow."""


def _end_of_day(day) -> datetime:
    return datetime.combine(day, _END_OF_DAY, tzinfo=KYIV)


def _local(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise DeadlineError("a naive datetime has no time zone; pass an aware one")
    return at.astimezone(KYIV)


def legal_ceiling(*, registered_at: datetime) -> datetime:
    """The latest deadline without an extension: the end of day 30 after registration.

    >>> from datetime import datetime
    >>> legal_ceiling(registered_at=datetime(2026, 1, 31, 23, 30, tzinfo=KYIV)).isoformat()
    '2026-03-02T23:59:59+02:00'
    """
    return _end_of_day(_local(registered_at).date() + timedelta(days=LEGAL_CEILING_DAYS))


def extension_ceiling(*, registered_at: datetime) -> datetime:
    """The latest deadline with an extension: the end of day 45 after registration.

    >>> from datetime import datetime
    >>> extension_ceiling(registered_at=datetime(2026, 1, 1, 9, 0, tzinfo=KYIV)).isoformat()
    '2026-02-15T23:59:59+02:00'
    """
    return _end_of_day(_local(registered_at).date() + timedelta(days=EXTENSION_CEILING_DAYS))


def compute_deadline(*, registered_at: datetime, hours: int, is_emergency: bool) -> datetime:
    """The deadline of an appeal registered at registered_at in a category with `hours` to fix.

    Emergencies: registered_at + hours. Others: whole days (hours rounded up to days), to the
    end of that day in Kyiv. Never later than the legal ceiling.

    >>> from datetime import datetime, timezone
    >>> at = datetime(2026, 10, 24, 22, 30, tzinfo=timezone.utc)  # 01:30 (+03) on the 25th; DST ends at 04:00
    >>> compute_deadline(registered_at=at, hours=4, is_emergency=True).isoformat()  # four real hours
    '2026-10-25T04:30:00+02:00'
    >>> compute_deadline(registered_at=at, hours=36, is_emergency=False).isoformat()
    '2026-10-27T23:59:59+02:00'
    >>> compute_deadline(registered_at=at, hours=0, is_emergency=False).isoformat()
    '2026-10-25T23:59:59+02:00'
    """
    local = _local(registered_at)
    if hours < 0:
        raise DeadlineError("a category cannot have a negative deadline")
    ceiling = legal_ceiling(registered_at=local)
    if is_emergency:
        # In UTC: aware arithmetic in one zone is wall-clock arithmetic and would be an hour off across DST.
        deadline = (local.astimezone(UTC) + timedelta(hours=hours)).astimezone(KYIV)
    else:
        days = math.ceil(hours / 24)
        deadline = _end_of_day(local.date() + timedelta(days=days))
    return min(deadline, ceiling)


def extend_deadline(*, registered_at: datetime, current: datetime, new: datetime, reason: str) -> datetime:
    """Check an extension and return the new deadline; refuse one without a reason or past 45 days.

    >>> from datetime import datetime
    >>> reg = datetime(2026, 5, 1, 9, 0, tzinfo=KYIV)
    >>> cur = compute_deadline(registered_at=reg, hours=15 * 24, is_emergency=False)
    >>> extend_deadline(registered_at=reg, current=cur, new=datetime(2026, 6, 10, 12, 0, tzinfo=KYIV),
    ...                 reason="потрібна заміна стояка").isoformat()
    '2026-06-10T12:00:00+03:00'
    >>> extend_deadline(registered_at=reg, current=cur, new=datetime(2026, 6, 10, tzinfo=KYIV), reason=" ")
    Traceback (most recent call last):
    ...
    appeals.deadlines.DeadlineError: продовження строку потребує записаної підстави
    >>> extend_deadline(registered_at=reg, current=cur, new=datetime(2026, 6, 16, tzinfo=KYIV), reason="x")
    Traceback (most recent call last):
    ...
    appeals.deadlines.DeadlineError: строк не можна продовжити понад 45 днів від реєстрації (до 2026-06-15 23:59)
    """
    if not reason or not reason.strip():
        raise DeadlineError("продовження строку потребує записаної підстави")
    new_local = _local(new)
    if new_local <= _local(current):
        raise DeadlineError("новий строк має бути пізніший за поточний")
    ceiling = extension_ceiling(registered_at=registered_at)
    if new_local > ceiling:
        raise DeadlineError(
            f"строк не можна продовжити понад {EXTENSION_CEILING_DAYS} днів від реєстрації (до {ceiling:%Y-%m-%d %H:%M})"
        )
    return new_local


def is_overdue(*, deadline: datetime, now: datetime) -> bool:
    """True once the deadline has passed.

    >>> from datetime import datetime
    >>> is_overdue(deadline=datetime(2026, 1, 1, 12, tzinfo=KYIV), now=datetime(2026, 1, 1, 12, 1, tzinfo=KYIV))
    True
    """
    return now > deadline


def shift_bounds(*, now: datetime, shift_times: tuple[time, ...]) -> tuple[datetime, datetime]:
    """The last shift that has ended by `now`: (start, end), aware datetimes in Kyiv.

    shift_times are the local times at which shifts change, e.g. (08:00, 20:00).

    >>> from datetime import datetime
    >>> s, e = shift_bounds(now=datetime(2026, 2, 3, 21, 5, tzinfo=KYIV), shift_times=(time(8), time(20)))
    >>> s.isoformat(), e.isoformat()
    ('2026-02-03T08:00:00+02:00', '2026-02-03T20:00:00+02:00')
    >>> s, e = shift_bounds(now=datetime(2026, 2, 3, 7, 0, tzinfo=KYIV), shift_times=(time(8), time(20)))
    >>> s.isoformat(), e.isoformat()
    ('2026-02-02T08:00:00+02:00', '2026-02-02T20:00:00+02:00')
    >>> s, e = shift_bounds(now=datetime(2026, 2, 3, 9, 0, tzinfo=KYIV), shift_times=(time(8), time(20)))
    >>> s.isoformat(), e.isoformat()
    ('2026-02-02T20:00:00+02:00', '2026-02-03T08:00:00+02:00')
    """
    if not shift_times:
        raise DeadlineError("at least one shift change time is needed")
    local = _local(now)
    times = sorted(shift_times)
    # Every shift change in a window of three days around now, in order.
    changes = [
        datetime.combine(local.date() + timedelta(days=d), t, tzinfo=KYIV) for d in (-2, -1, 0) for t in times
    ]
    past = [c for c in changes if c <= local]
    end = past[-1]
    start = past[-2]
    return start, end
