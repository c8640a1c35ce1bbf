"""Confirmation after a fix (the callback the city planned): the applicant confirms or disputes.

A provider's "resolved" makes the appeal wait for confirmation. Outcomes, from the resident's tracking page,
a dispatcher's callback or the PBX auto-dialler:

- confirmed (rating 1–5 optional): resolved → confirmed → closed; rating and outcome stored for reports;
- disputed (not fixed): resolved → reopened to the same provider (its routes stay), with the resident's
  note and a new deadline from now; counted as a reopen;
- no answer: tried again after CALLBACK_RETRY_DAYS / CALLBACK_MAX_ATTEMPTS days, up to
  CALLBACK_MAX_ATTEMPTS attempts; then closed as "не вдалося підтвердити" (confirmation = unreachable).

Every function takes keyword-only arguments and runs in one transaction (optimistic locking as in
appeals.services: a stale version is a Conflict).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from appeals import deadlines, services, workflow
from appeals.errors import AppealError
from appeals.models import Appeal, ConfirmationOutcome, EventAction, Status

SOURCES = ("online", "callback", "pbx")


class ConfirmationError(AppealError):
    """Not awaiting confirmation, or a bad outcome/rating; str() is Ukrainian."""


def _actor_role(actor) -> str:
    from appeals import roles

    if actor is None:
        return workflow.SYSTEM
    role = roles.role_of(actor)
    if role not in (workflow.DISPATCHER, workflow.SUPERVISOR, workflow.ADMINISTRATOR):
        raise ConfirmationError("підтвердження записує диспетчер")
    return role


def _transition(*, appeal: Appeal, to_status: str, actor, role: str, now: datetime, note: str = "",
                reason: str = "", **fields) -> Appeal:
    workflow.check_transition(from_status=appeal.status, to_status=to_status, role=role, reason=reason)
    from_status = appeal.status
    appeal = services._apply(appeal=appeal, version=appeal.version, now=now, status=to_status, **fields)
    services._event(appeal_id=appeal.pk, at=now, actor=actor, action=EventAction.STATUS, from_status=from_status,
                    to_status=to_status, note=note or reason,
                    data={"confirmation": fields.get("confirmation", ""),
                          **({"rating": fields["rating"]} if fields.get("rating") is not None else {})})
    return appeal


def _fresh(appeal: Appeal | int | str, version: int | None) -> Appeal:
    found = services._get_appeal(appeal)
    found.refresh_from_db()
    if version is not None and found.version != version:
        raise services.Conflict(f"звернення {found.number} вже змінилось; оновіть сторінку")
    if found.status != Status.RESOLVED:
        raise ConfirmationError(f"звернення {found.number} не чекає підтвердження")
    return found


def confirm(*, appeal: Appeal | int | str, rating: int | None = None, comment: str = "", source: str = "online",
            actor=None, version: int | None = None, now: datetime | None = None) -> Appeal:
    """The applicant says it is fixed: confirmed with the rating, then closed."""
    now = now or timezone.now()
    if rating is not None and not (1 <= int(rating) <= 5):
        raise ConfirmationError("оцінка — від 1 до 5")
    with transaction.atomic():
        role = _actor_role(actor)
        appeal = _fresh(appeal, version)
        note = f"підтверджено заявником ({source})" + (f": {comment.strip()}" if comment.strip() else "")
        appeal = _transition(appeal=appeal, to_status=Status.CONFIRMED, actor=actor, role=role, now=now, note=note,
                             confirmation=ConfirmationOutcome.CONFIRMED, confirmed_at=now,
                             rating=int(rating) if rating is not None else None, callback_due_at=None)
        appeal = _transition(appeal=appeal, to_status=Status.CLOSED, actor=actor, role=role, now=now,
                             note="закрито після підтвердження", closed_at=now)
    return appeal


def dispute(*, appeal: Appeal | int | str, comment: str, rating: int | None = None, source: str = "online",
            actor=None, version: int | None = None, now: datetime | None = None) -> Appeal:
    """Not fixed: reopened to the same provider with the note and a new deadline (a reopen)."""
    now = now or timezone.now()
    if not (comment or "").strip():
        raise ConfirmationError("опишіть, що не так: виконавець отримає ваш коментар")
    if rating is not None and not (1 <= int(rating) <= 5):
        raise ConfirmationError("оцінка — від 1 до 5")
    with transaction.atomic():
        role = _actor_role(actor)
        appeal = _fresh(appeal, version)
        deadline = deadlines.compute_deadline(registered_at=now, hours=appeal.category.deadline_hours,
                                              is_emergency=appeal.category.is_emergency)
        appeal = _transition(appeal=appeal, to_status=Status.REOPENED, actor=actor, role=role, now=now,
                             reason=f"заявник: не виконано ({source}): {comment.strip()}",
                             confirmation=ConfirmationOutcome.DISPUTED, confirmed_at=now,
                             rating=int(rating) if rating is not None else None, reopen_count=F("reopen_count") + 1,
                             resolved_at=None, deadline=deadline, callback_due_at=None, callback_attempts=0)
    return appeal


def no_answer(*, appeal: Appeal | int | str, source: str = "callback", actor=None, version: int | None = None,
              now: datetime | None = None) -> Appeal:
    """A callback nobody answered: due again later, or closed as unconfirmed after the last attempt."""
    now = now or timezone.now()
    max_attempts = settings.CALLBACK_MAX_ATTEMPTS
    spacing = timedelta(days=settings.CALLBACK_RETRY_DAYS / max(1, max_attempts))
    with transaction.atomic():
        role = _actor_role(actor)
        appeal = _fresh(appeal, version)
        attempts = appeal.callback_attempts + 1
        if attempts >= max_attempts:
            appeal = _transition(appeal=appeal, to_status=Status.CLOSED, actor=actor, role=role, now=now,
                                 note=f"не вдалося підтвердити: {attempts} спроб(и) передзвонити ({source})",
                                 confirmation=ConfirmationOutcome.UNREACHABLE, callback_attempts=attempts,
                                 callback_due_at=None, closed_at=now)
        else:
            appeal = services._apply(appeal=appeal, version=appeal.version, now=now, callback_attempts=attempts,
                                     callback_due_at=now + spacing)
            services._event(appeal_id=appeal.pk, at=now, actor=actor, action=EventAction.COMMENT,
                            note=f"передзвін: немає відповіді (спроба {attempts} з {max_attempts}, {source})",
                            data={"callback_attempt": attempts})
    return appeal


def callback_worklist(*, now: datetime | None = None, limit: int = 100) -> QuerySet[Appeal]:
    """Resolved appeals with a phone, awaiting confirmation and due for a call, oldest fix first."""
    now = now or timezone.now()
    return (Appeal.objects.filter(status=Status.RESOLVED, confirmation="")
            .exclude(applicant_phone="")
            .filter(Q(callback_due_at__isnull=True) | Q(callback_due_at__lte=now))
            .select_related("category", "building__street")
            .order_by("resolved_at", "id")[:limit])
