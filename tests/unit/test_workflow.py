"""The appeal state machine: what may follow what, who may do it, and what it needs."""

import pytest

from appeals.models import FINAL_STATUSES, OPEN_STATUSES, Status
from appeals.workflow import (
    ANALYST,
    DISPATCHER,
    PROVIDER_OPERATOR,
    SUPERVISOR,
    TRANSITIONS,
    InvalidTransition,
    MissingField,
    allowed_targets,
    check_transition,
)


def test_every_status_is_reachable_from_registered():
    seen, todo = {Status.REGISTERED.value}, [Status.REGISTERED.value]
    while todo:
        current = todo.pop()
        for (a, b) in TRANSITIONS:
            if a == current and b not in seen:
                seen.add(b)
                todo.append(b)
    assert seen == {s.value for s in Status}


def test_final_statuses_have_no_way_out():
    assert not [key for key in TRANSITIONS if key[0] in FINAL_STATUSES]


@pytest.mark.parametrize("status", [s.value for s in OPEN_STATUSES])
def test_any_open_appeal_can_be_cancelled_with_a_reason_or_marked_a_duplicate(status):
    with pytest.raises(MissingField):
        check_transition(from_status=status, to_status="cancelled", role=DISPATCHER)
    assert check_transition(from_status=status, to_status="cancelled", role=DISPATCHER, reason="помилка")
    assert check_transition(from_status=status, to_status="duplicate", role=DISPATCHER, duplicate_of=object())


def test_a_provider_works_the_appeal_but_does_not_confirm_or_close_it():
    assert allowed_targets(from_status="sent", role=PROVIDER_OPERATOR) == ["accepted", "rejected", "in_progress"]
    assert allowed_targets(from_status="resolved", role=PROVIDER_OPERATOR) == []
    with pytest.raises(InvalidTransition, match="роль"):
        check_transition(from_status="resolved", to_status="closed", role=PROVIDER_OPERATOR)


def test_a_dispatcher_does_not_do_the_providers_work():
    with pytest.raises(InvalidTransition, match="роль"):
        check_transition(from_status="sent", to_status="accepted", role=DISPATCHER)


def test_a_supervisor_may_do_both_and_an_analyst_nothing():
    assert "accepted" in allowed_targets(from_status="sent", role=SUPERVISOR)
    assert "closed" in allowed_targets(from_status="resolved", role=SUPERVISOR)
    assert all(not allowed_targets(from_status=s.value, role=ANALYST) for s in Status)


def test_resolving_needs_what_was_done_and_reopening_needs_why():
    with pytest.raises(MissingField, match="що зроблено"):
        check_transition(from_status="in_progress", to_status="resolved", role=PROVIDER_OPERATOR, resolution=" ")
    with pytest.raises(MissingField, match="причина"):
        check_transition(from_status="resolved", to_status="reopened", role=DISPATCHER)


def test_a_rejected_appeal_goes_back_to_the_dispatcher_who_sends_it_again():
    assert allowed_targets(from_status="rejected", role=DISPATCHER) == ["sent", "cancelled", "duplicate"]
    assert allowed_targets(from_status="rejected", role=PROVIDER_OPERATOR) == []


def test_provider_actions_count_as_reports_for_shift_control_and_dispatcher_actions_do_not():
    assert check_transition(from_status="in_progress", to_status="in_progress", role=PROVIDER_OPERATOR).provider_report
    assert not check_transition(from_status="resolved", to_status="confirmed", role=DISPATCHER).provider_report
