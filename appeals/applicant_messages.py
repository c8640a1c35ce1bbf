"""Messages to the applicant on status changes (opt-in: Appeal.notify_applicant), through the outbox.

Called for every status event (services._event), inside its transaction: the message exists exactly when
the change was committed. E-mail when the applicant gave one, else SMS to the phone. Ukrainian templates
under appeals/templates/appeals/messages/.
"""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string

from appeals.models import Appeal, NotificationChannel, Status
from appeals.notifications import queue_notification

# The changes a resident cares about (a rejection is the dispatcher's business: it is rerouted).
NOTIFY_STATUSES = frozenset({Status.ACCEPTED, Status.IN_PROGRESS, Status.RESOLVED, Status.REOPENED,
                             Status.CLOSED, Status.CANCELLED, Status.DUPLICATE})


def _render(name: str, context: dict) -> str:
    return render_to_string(f"appeals/messages/{name}", context)


def on_status_event(*, appeal_id: int, event_id: int, to_status: str, note: str = "") -> None:
    if to_status not in NOTIFY_STATUSES:
        return
    appeal = (Appeal.objects.select_related("category").filter(pk=appeal_id, notify_applicant=True)
              .only("id", "number", "status", "applicant_email", "applicant_phone", "category__name_uk").first())
    if appeal is None or not (appeal.applicant_email or appeal.applicant_phone):
        return
    context = {"appeal": appeal, "status_name": str(Status(to_status).label), "category": appeal.category.name_uk,
               "note": note if to_status in (Status.RESOLVED, Status.REOPENED, Status.CLOSED) else "",
               "awaits_confirmation": to_status == Status.RESOLVED,
               "base_url": settings.PUBLIC_BASE_URL.rstrip("/")}
    if appeal.applicant_email:
        queue_notification(channel=NotificationChannel.EMAIL, to=appeal.applicant_email,
                           subject=" ".join(_render("status_subject.txt", context).split()),
                           body=_render("status.txt", context).strip() + "\n", html_body=_render("status.html", context),
                           appeal=appeal, dedupe_key=f"status:{event_id}")
    else:
        queue_notification(channel=NotificationChannel.SMS, to=appeal.applicant_phone, subject="",
                           body=" ".join(_render("status_sms.txt", context).split()), appeal=appeal,
                           dedupe_key=f"status:{event_id}")
