"""The outbox: messages to applicants (e-mail, SMS) written to the database first, sent by Celery.

queue_notification() writes a Notification row inside the caller's transaction, so the message exists
exactly when what caused it was committed; on commit it kicks the Celery task
`appeals.tasks.send_notifications`, and the beat runs that task every minute anyway, so a Redis outage
delays messages but loses none.

send_pending() takes one pending row at a time with SELECT … FOR UPDATE SKIP LOCKED, tries to send it and
records the result (sent, or the error and one more attempt) in that same transaction: two workers never
send the same row, and a row marked sent is never sent again. The one window left is a crash between
the gateway accepting the message and our COMMIT: that row is sent again on the next run (at least once,
never silently lost).

E-mail goes through Django's mail framework (EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD,
EMAIL_USE_TLS, DEFAULT_FROM_EMAIL). SMS goes through settings.SMS_BACKEND:

- "log" (the demo): the text goes to the log, nothing leaves the machine;
- "http": HttpSmsBackend posts JSON to SMS_GATEWAY_URL with SMS_GATEWAY_KEY; SMS_GATEWAY_FORMAT picks the
  body: "turbosms" (TurboSMS `message/send.json`: Bearer key, {"recipients": [...], "sms": {"sender",
  "text"}}), "smsfly" (SMSFly API v2: {"auth": {"key"}, "action": "SENDMESSAGE", "data": {...}}) or
  "alphasms" (Alpha SMS JSON API: {"auth": key, "data": [{"type": "sms", ...}]}). The shapes follow those
  gateways' published JSON APIs; they are tested against a local HTTP server, not the live gateways.
- or a dotted path to a class with `send(*, to: str, text: str) -> None` raising SmsError.
"""

from __future__ import annotations

import base64
import json
import logging
import smtplib
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from appeals.models import Appeal, Notification, NotificationChannel, NotificationStatus

log = logging.getLogger(__name__)

TASK_NAME = "appeals.tasks.send_notifications"


class NotificationError(ValueError):
    """A message that cannot be queued (unknown channel, no recipient)."""


class SmsError(Exception):
    """The SMS gateway refused the message or could not be reached."""


def queue_notification(*, channel: str, to: str, subject: str, body: str, html_body: str = "",
                       appeal: Appeal | None = None, dedupe_key: str | None = None,
                       attachments: list[tuple[str, bytes, str]] | None = None,
                       fresh_key: bool = False) -> Notification | None:
    """Write a message to the outbox (in the caller's transaction); sent by Celery after the commit.

    Returns None, writing nothing, when a message with this dedupe_key already exists.
    Attachments are (name, content bytes, mimetype) and go with e-mail only. ``fresh_key``: the dedupe_key
    names a row created in this very transaction (a new appeal's "filed" message), so no other message can
    hold it yet and no savepoint is needed to survive a duplicate.
    """
    if channel not in NotificationChannel.values:
        raise NotificationError(f"невідомий канал сповіщення: {channel}")
    to = (to or "").strip()
    if not to:
        raise NotificationError("немає одержувача сповіщення")
    stored = [{"name": name, "content": base64.b64encode(content).decode("ascii"), "mimetype": mimetype}
              for name, content, mimetype in (attachments or [])]
    row = Notification(channel=channel, recipient=to, subject=subject[:200], body=body, html_body=html_body,
                       appeal=appeal, dedupe_key=dedupe_key or None, attachments=stored, created_at=timezone.now())
    if fresh_key or not dedupe_key:  # nothing it could collide with: no savepoint (two round trips) needed
        row.save()
        transaction.on_commit(kick)
        return row
    try:
        # A savepoint: a duplicate key must not break the caller's transaction.
        with transaction.atomic():
            row.save()
    except IntegrityError:
        if dedupe_key and Notification.objects.filter(dedupe_key=dedupe_key).exists():
            return None
        raise
    transaction.on_commit(kick)
    return row


def kick() -> None:
    """Ask a worker to send now. Best effort: with Redis down the beat's next run sends instead."""
    from kombu.exceptions import OperationalError

    from gis.celery import app

    try:
        app.send_task(TASK_NAME, retry=False, ignore_result=True)
    except (OperationalError, OSError) as exc:
        log.warning("outbox: could not reach the broker (%s); the minute beat will send", exc)


# --- sending -----------------------------------------------------------------------------------


class LogSmsBackend:
    """The demo's SMS: written to the log, not sent."""

    def send(self, *, to: str, text: str) -> None:
        log.info("SMS to %s: %s", to, text)


class HttpSmsBackend:
    """A JSON-over-HTTPS SMS gateway (TurboSMS, SMSFly, Alpha SMS shapes; see the module docstring)."""

    def __init__(self, *, url: str | None = None, key: str | None = None, sender: str | None = None,
                 style: str | None = None, timeout: float | None = None) -> None:
        self.url = url if url is not None else settings.SMS_GATEWAY_URL
        self.key = key if key is not None else settings.SMS_GATEWAY_KEY
        self.sender = sender if sender is not None else settings.SMS_SENDER
        self.style = style or getattr(settings, "SMS_GATEWAY_FORMAT", "turbosms")
        self.timeout = timeout if timeout is not None else settings.SMS_GATEWAY_TIMEOUT
        if not self.url:
            raise SmsError("SMS_GATEWAY_URL не задано")

    def payload(self, *, to: str, text: str) -> tuple[dict, dict]:
        """(JSON body, extra headers) for this gateway style.

        >>> HttpSmsBackend(url="http://gw", key="K", sender="1505", style="turbosms").payload(to="+380501234567", text="x")
        ({'recipients': ['380501234567'], 'sms': {'sender': '1505', 'text': 'x'}}, {'Authorization': 'Bearer K'})
        """
        digits = to.lstrip("+")
        if self.style == "turbosms":
            return {"recipients": [digits], "sms": {"sender": self.sender, "text": text}}, \
                {"Authorization": f"Bearer {self.key}"}
        if self.style == "smsfly":
            return {"auth": {"key": self.key}, "action": "SENDMESSAGE",
                    "data": {"recipient": digits, "channels": ["sms"],
                             "sms": {"source": self.sender, "text": text}}}, {}
        if self.style == "alphasms":
            return {"auth": self.key, "data": [{"type": "sms", "phone": int(digits), "sms_signature": self.sender,
                                                "sms_message": text}]}, {}
        raise SmsError(f"невідомий формат SMS-шлюзу: {self.style}")

    def send(self, *, to: str, text: str) -> None:
        body, headers = self.payload(to=to, text=text)
        request = urllib.request.Request(
            self.url, data=json.dumps(body, ensure_ascii=False).encode("utf-8"), method="POST",
            headers={"Content-Type": "application/json; charset=utf-8", "Accept": "application/json", **headers},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (URL from settings)
                answer = response.read(65536)
        except urllib.error.HTTPError as exc:
            raise SmsError(f"шлюз відповів {exc.code}") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise SmsError(f"шлюз недоступний: {exc}") from exc
        try:
            parsed = json.loads(answer or b"{}")
        except ValueError as exc:
            raise SmsError("шлюз повернув не JSON") from exc
        # Each of these gateways answers 200 with a flag or code in the body when it refuses a message.
        if isinstance(parsed, dict) and (("success" in parsed and not parsed["success"]) or parsed.get("error")
                                         or parsed.get("response_code") not in (None, 0, 800, 801, 802, 803)):
            raise SmsError(f"шлюз відмовив: {str(parsed)[:200]}")


def sms_backend():
    name = settings.SMS_BACKEND
    if name == "log":
        return LogSmsBackend()
    if name == "http":
        return HttpSmsBackend()
    return import_string(name)()


def _send_email(row: Notification) -> None:
    message = EmailMultiAlternatives(subject=row.subject, body=row.body, from_email=settings.DEFAULT_FROM_EMAIL,
                                     to=[row.recipient], connection=get_connection(fail_silently=False))
    if row.html_body:
        message.attach_alternative(row.html_body, "text/html")
    for a in row.attachments or []:
        message.attach(a["name"], base64.b64decode(a["content"]), a["mimetype"])
    message.send(fail_silently=False)


def _send(row: Notification) -> None:
    if row.channel == NotificationChannel.EMAIL:
        _send_email(row)
    else:
        sms_backend().send(to=row.recipient, text=row.body)


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0  # gave up (NOTIFICATION_MAX_ATTEMPTS reached)
    retried: int = 0  # failed this time, left pending for the next run
    errors: list[str] = field(default_factory=list)


def send_pending(*, limit: int = 200, now: datetime | None = None) -> SendReport:
    """Send up to `limit` pending messages, oldest first, each in its own transaction (see the module doc)."""
    report = SendReport()
    tried: list[int] = []
    max_attempts = settings.NOTIFICATION_MAX_ATTEMPTS
    for _ in range(limit):
        with transaction.atomic():
            row = (Notification.objects.select_for_update(skip_locked=True)
                   .filter(status=NotificationStatus.PENDING).exclude(pk__in=tried).order_by("id").first())
            if row is None:
                break
            tried.append(row.pk)
            row.attempts += 1
            try:
                _send(row)
            except (smtplib.SMTPException, OSError, SmsError) as exc:
                row.last_error = f"{type(exc).__name__}: {exc}"[:1000]
                if row.attempts >= max_attempts:
                    row.status = NotificationStatus.FAILED
                    report.failed += 1
                else:
                    report.retried += 1
                report.errors.append(row.last_error)
                log.warning("outbox: notification %s not sent (attempt %s): %s", row.pk, row.attempts, exc)
            else:
                row.status = NotificationStatus.SENT
                row.sent_at = now or timezone.now()
                row.last_error = ""
                report.sent += 1
            row.save(update_fields=["status", "attempts", "last_error", "sent_at"])
    return report
