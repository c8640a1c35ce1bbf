"""The state machine of an appeal. Pure: no database; services.change_status applies it.

registered → sent → accepted / rejected (not ours: back to the dispatcher, who reroutes)
→ in progress → resolved (what was done) → confirmed / reopened → closed;
cancelled and duplicate-of-N from any open status.

Each transition says which roles may make it and what it needs.

>>> check_transition(from_status="sent", to_status="accepted", role="provider_operator").to_status == "accepted"
True
>>> check_transition(from_status="registered", to_status="resolved", role="dispatcher")
Traceback (most recent call last):
...
appeals.workflow.InvalidTransition: «зареєстровано» → «виконано»: такий перехід неможливий
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from appeals.models import Status

DISPATCHER = "dispatcher"
PROVIDER_OPERATOR = "provider_operator"
SUPERVISOR = "supervisor"
ANALYST = "analyst"
ADMINISTRATOR = "administrator"
SYSTEM = "system"  # intake and background jobs
ROLES = (DISPATCHER, PROVIDER_OPERATOR, SUPERVISOR, ANALYST, ADMINISTRATOR)

_CONTROL = frozenset({DISPATCHER, SUPERVISOR, ADMINISTRATOR, SYSTEM})
_PROVIDER = frozenset({PROVIDER_OPERATOR, SUPERVISOR, ADMINISTRATOR})


class WorkflowError(Exception):
    """Base of the refusals of the workflow; str() is a message for a person."""


class InvalidTransition(WorkflowError):
    """This status cannot follow that one, or this role may not make the change."""


class MissingField(InvalidTransition):
    """The transition needs a reason, a description of what was done, or the original appeal."""


@dataclass(frozen=True)
class Transition:
    from_status: str
    to_status: str
    roles: frozenset[str]
    needs: str = ""  # "reason" | "resolution" | "duplicate_of" | ""
    provider_report: bool = False  # counts as the provider reporting (level-1 control)


S = Status
_T = [
    Transition(S.REGISTERED, S.SENT, _CONTROL),
    Transition(S.REJECTED, S.SENT, _CONTROL),  # rerouted to another provider
    Transition(S.SENT, S.ACCEPTED, _PROVIDER, provider_report=True),
    Transition(S.REOPENED, S.ACCEPTED, _PROVIDER, provider_report=True),
    Transition(S.SENT, S.REJECTED, _PROVIDER, needs="reason", provider_report=True),
    Transition(S.ACCEPTED, S.REJECTED, _PROVIDER, needs="reason", provider_report=True),
    Transition(S.SENT, S.IN_PROGRESS, _PROVIDER, provider_report=True),
    Transition(S.ACCEPTED, S.IN_PROGRESS, _PROVIDER, provider_report=True),
    Transition(S.REOPENED, S.IN_PROGRESS, _PROVIDER, provider_report=True),
    Transition(S.IN_PROGRESS, S.IN_PROGRESS, _PROVIDER, provider_report=True),  # a progress report
    Transition(S.ACCEPTED, S.RESOLVED, _PROVIDER, needs="resolution", provider_report=True),
    Transition(S.IN_PROGRESS, S.RESOLVED, _PROVIDER, needs="resolution", provider_report=True),
    Transition(S.REOPENED, S.RESOLVED, _PROVIDER, needs="resolution", provider_report=True),
    Transition(S.RESOLVED, S.CONFIRMED, _CONTROL),
    Transition(S.RESOLVED, S.REOPENED, _CONTROL, needs="reason"),
    Transition(S.CONFIRMED, S.REOPENED, _CONTROL, needs="reason"),
    Transition(S.RESOLVED, S.CLOSED, _CONTROL),
    Transition(S.CONFIRMED, S.CLOSED, _CONTROL),
]
for _open in (S.REGISTERED, S.SENT, S.ACCEPTED, S.REJECTED, S.IN_PROGRESS, S.REOPENED):
    _T.append(Transition(_open, S.CANCELLED, _CONTROL, needs="reason"))
    _T.append(Transition(_open, S.DUPLICATE, _CONTROL, needs="duplicate_of"))

TRANSITIONS: dict[tuple[str, str], Transition] = {(t.from_status, t.to_status): t for t in _T}


def _label(status: str) -> str:
    try:
        return str(Status(status).label)
    except ValueError:
        return status


def allowed_targets(*, from_status: str, role: str) -> list[str]:
    """The statuses this role may move an appeal to from from_status, in workflow order.

    >>> allowed_targets(from_status="resolved", role="dispatcher")
    ['confirmed', 'reopened', 'closed']
    >>> allowed_targets(from_status="resolved", role="analyst")
    []
    """
    order = [s.value for s in Status]
    return sorted(
        {str(t.to_status) for t in _T if t.from_status == from_status and role in t.roles},
        key=order.index,
    )


def check_transition(*, from_status: str, to_status: str, role: str, reason: str = "", resolution: str = "",
                     duplicate_of: object = None) -> Transition:
    """The transition, if it exists, this role may make it and what it needs is given; else a WorkflowError.

    >>> check_transition(from_status="sent", to_status="rejected", role="provider_operator")
    Traceback (most recent call last):
    ...
    appeals.workflow.MissingField: «передано виконавцю» → «відхилено: не наше»: потрібна причина
    >>> check_transition(from_status="sent", to_status="closed", role="provider_operator")
    Traceback (most recent call last):
    ...
    appeals.workflow.InvalidTransition: «передано виконавцю» → «закрито»: такий перехід неможливий
    >>> check_transition(from_status="resolved", to_status="closed", role="provider_operator")
    Traceback (most recent call last):
    ...
    appeals.workflow.InvalidTransition: «виконано» → «закрито»: ця роль не може зробити цей перехід
    """
    head = f"«{_label(from_status)}» → «{_label(to_status)}»"
    t = TRANSITIONS.get((from_status, to_status))
    if t is None:
        raise InvalidTransition(f"{head}: " + _("такий перехід неможливий"))
    if role not in t.roles:
        raise InvalidTransition(f"{head}: " + _("ця роль не може зробити цей перехід"))
    if t.needs == "reason" and not reason.strip():
        raise MissingField(f"{head}: " + _("потрібна причина"))
    if t.needs == "resolution" and not resolution.strip():
        raise MissingField(f"{head}: " + _("потрібно описати, що зроблено"))
    if t.needs == "duplicate_of" and duplicate_of is None:
        raise MissingField(f"{head}: " + _("потрібен номер основного звернення"))
    return t

