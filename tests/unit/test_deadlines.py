"""Deadlines in Europe/Kyiv: emergencies in real hours, others in calendar days; the legal ceilings."""

from datetime import UTC, datetime, time, timedelta

import pytest

from appeals.deadlines import (
    KYIV,
    DeadlineError,
    compute_deadline,
    extend_deadline,
    extension_ceiling,
    is_overdue,
    legal_ceiling,
    shift_bounds,
)


def kyiv(*args) -> datetime:
    return datetime(*args, tzinfo=KYIV)


def test_an_emergency_deadline_counts_real_hours_across_the_spring_dst_change():
    at = kyiv(2026, 3, 29, 1, 30)  # clocks jump from 03:00 to 04:00 local
    deadline = compute_deadline(registered_at=at, hours=2, is_emergency=True)
    # Subtracting two datetimes of one zone is wall-clock arithmetic in Python: compare in UTC.
    assert deadline.astimezone(UTC) - at.astimezone(UTC) == timedelta(hours=2)
    assert deadline == kyiv(2026, 3, 29, 4, 30)  # 2 real hours, 3 on the wall clock


def test_a_routine_deadline_ends_at_the_end_of_a_kyiv_day_whatever_the_dst():
    at = kyiv(2026, 10, 23, 16, 45)
    assert compute_deadline(registered_at=at, hours=72, is_emergency=False) == kyiv(2026, 10, 26, 23, 59, 59)


def test_hours_of_a_routine_category_round_up_to_whole_days():
    at = kyiv(2026, 1, 10, 9, 0)
    assert compute_deadline(registered_at=at, hours=25, is_emergency=False) == kyiv(2026, 1, 12, 23, 59, 59)


def test_a_utc_registration_time_is_read_in_kyiv_for_the_calendar_day():
    at = datetime(2026, 6, 30, 22, 30, tzinfo=UTC)  # already 1 July in Kyiv
    assert compute_deadline(registered_at=at, hours=24, is_emergency=False) == kyiv(2026, 7, 2, 23, 59, 59)


def test_no_category_can_exceed_the_one_month_of_the_law():
    at = kyiv(2026, 2, 1, 12, 0)
    assert compute_deadline(registered_at=at, hours=60 * 24, is_emergency=False) == legal_ceiling(registered_at=at)
    assert compute_deadline(registered_at=at, hours=60 * 24, is_emergency=True) == legal_ceiling(registered_at=at)


def test_a_naive_datetime_is_refused_rather_than_guessed():
    with pytest.raises(DeadlineError):
        compute_deadline(registered_at=datetime(2026, 1, 1, 12), hours=1, is_emergency=True)


def test_an_extension_needs_a_reason_moves_later_and_stops_at_45_days():
    reg = kyiv(2026, 4, 1, 10, 0)
    current = compute_deadline(registered_at=reg, hours=15 * 24, is_emergency=False)
    ceiling = extension_ceiling(registered_at=reg)
    assert ceiling == kyiv(2026, 5, 16, 23, 59, 59)
    assert extend_deadline(registered_at=reg, current=current, new=ceiling, reason="погодні умови") == ceiling
    with pytest.raises(DeadlineError, match="45"):
        extend_deadline(registered_at=reg, current=current, new=ceiling + timedelta(seconds=1), reason="x")
    with pytest.raises(DeadlineError, match="пізніший"):
        extend_deadline(registered_at=reg, current=current, new=current - timedelta(days=1), reason="x")
    with pytest.raises(DeadlineError, match="підстави"):
        extend_deadline(registered_at=reg, current=current, new=current + timedelta(days=1), reason="  ")


def test_overdue_means_strictly_after_the_deadline():
    d = kyiv(2026, 1, 1, 12, 0)
    assert not is_overdue(deadline=d, now=d)
    assert is_overdue(deadline=d, now=d + timedelta(seconds=1))


@pytest.mark.parametrize(("now", "start", "end"), [
    (kyiv(2026, 5, 5, 20, 0), kyiv(2026, 5, 5, 8, 0), kyiv(2026, 5, 5, 20, 0)),  # exactly at the change
    (kyiv(2026, 5, 5, 19, 59), kyiv(2026, 5, 4, 20, 0), kyiv(2026, 5, 5, 8, 0)),
    (kyiv(2026, 5, 6, 0, 30), kyiv(2026, 5, 5, 8, 0), kyiv(2026, 5, 5, 20, 0)),
])
def test_the_last_ended_shift_is_found_for_any_moment(now, start, end):
    assert shift_bounds(now=now, shift_times=(time(20), time(8))) == (start, end)


def test_a_shift_over_the_autumn_dst_change_is_thirteen_real_hours_long():
    start, end = shift_bounds(now=kyiv(2026, 10, 25, 9, 0), shift_times=(time(8), time(20)))
    assert (start, end) == (kyiv(2026, 10, 24, 20, 0), kyiv(2026, 10, 25, 8, 0))
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=13)
