"""The outbox (appeals.notifications): rows written in the caller's transaction, sent once, over real SMTP
(aiosmtpd) and a real local HTTP server standing in for an SMS gateway."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.db import transaction

from appeals import notifications
from appeals.models import Notification, NotificationStatus


def test_a_queued_email_is_sent_over_smtp_with_its_html_and_attachment_and_marked_sent(db, smtp_server):
    row = notifications.queue_notification(channel="email", to="resident@example.org", subject="Звернення 26-000001",
                                           body="Текст листа", html_body="<p>Текст листа</p>",
                                           attachments=[("act.txt", "акт".encode(), "text/plain")])
    report = notifications.send_pending()
    assert report.sent == 1
    [msg] = smtp_server.wait_for(1)
    assert msg["To"] == "resident@example.org" and msg["Subject"] == "Звернення 26-000001"
    assert msg.get_body(("plain",)).get_content().strip() == "Текст листа"
    assert "<p>Текст листа</p>" in msg.get_body(("html",)).get_content()
    [att] = list(msg.iter_attachments())
    assert att.get_filename() == "act.txt" and att.get_content() == "акт"
    row.refresh_from_db()
    assert (row.status, row.attempts) == (NotificationStatus.SENT, 1) and row.sent_at is not None
    assert notifications.send_pending().sent == 0  # never twice


def test_the_same_dedupe_key_queues_nothing_the_second_time(db):
    first = notifications.queue_notification(channel="sms", to="+380501234567", subject="", body="a", dedupe_key="k1")
    second = notifications.queue_notification(channel="sms", to="+380501234567", subject="", body="a",
                                              dedupe_key="k1")
    assert first is not None and second is None
    assert Notification.objects.count() == 1


def test_a_message_queued_in_a_rolled_back_transaction_does_not_exist(db):
    with pytest.raises(RuntimeError), transaction.atomic():
        notifications.queue_notification(channel="email", to="a@example.org", subject="s", body="b")
        raise RuntimeError("the cause failed")
    assert not Notification.objects.exists()


def test_an_unknown_channel_or_empty_recipient_is_refused(db):
    with pytest.raises(notifications.NotificationError):
        notifications.queue_notification(channel="pigeon", to="x", subject="", body="b")
    with pytest.raises(notifications.NotificationError):
        notifications.queue_notification(channel="email", to=" ", subject="", body="b")


def test_an_unreachable_smtp_server_leaves_the_message_pending_then_failed_after_the_last_attempt(db, settings):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", s.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.NOTIFICATION_MAX_ATTEMPTS = 2
    row = notifications.queue_notification(channel="email", to="a@example.org", subject="s", body="b")
    first = notifications.send_pending()
    row.refresh_from_db()
    assert (first.retried, row.status, row.attempts) == (1, NotificationStatus.PENDING, 1)
    assert "Connection" in row.last_error or "refused" in row.last_error.lower()
    notifications.send_pending()
    row.refresh_from_db()
    assert (row.status, row.attempts) == (NotificationStatus.FAILED, 2)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_senders_send_each_message_exactly_once(smtp_server):
    for i in range(12):
        notifications.queue_notification(channel="email", to=f"r{i}@example.org", subject=f"m{i}", body="b")
    reports = []

    def run():
        from django.db import connection

        try:
            reports.append(notifications.send_pending())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    messages = smtp_server.wait_for(12)
    assert sorted(str(m["Subject"]) for m in messages) == sorted(f"m{i}" for i in range(12))
    assert sum(r.sent for r in reports) == 12
    assert Notification.objects.filter(status=NotificationStatus.SENT).count() == 12


class _Gateway(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Gateway.received.append((self.path, dict(self.headers), json.loads(body)))
        answer = {"response_code": 800, "response_status": "SUCCESS_MESSAGE_ACCEPTED"}
        if "refuse" in self.path:
            answer = {"success": False, "error": "no money"}
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway():
    _Gateway.received = []
    server = HTTPServer(("127.0.0.1", 0), _Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_an_sms_goes_to_the_http_gateway_in_turbosms_shape_with_the_key_as_bearer(db, settings, gateway):
    settings.SMS_BACKEND = "http"
    settings.SMS_GATEWAY_URL = gateway + "/message/send.json"
    settings.SMS_GATEWAY_KEY = "secret-token"
    settings.SMS_GATEWAY_FORMAT = "turbosms"
    row = notifications.queue_notification(channel="sms", to="+380501234567", subject="", body="Код ABCDE-12345")
    assert notifications.send_pending().sent == 1
    [(path, headers, body)] = _Gateway.received
    assert path == "/message/send.json" and headers["Authorization"] == "Bearer secret-token"
    assert body == {"recipients": ["380501234567"], "sms": {"sender": "1505", "text": "Код ABCDE-12345"}}
    row.refresh_from_db()
    assert row.status == NotificationStatus.SENT


def test_a_gateway_that_refuses_leaves_the_sms_pending_with_its_answer(db, settings, gateway):
    settings.SMS_BACKEND = "http"
    settings.SMS_GATEWAY_URL = gateway + "/refuse"
    settings.SMS_GATEWAY_FORMAT = "smsfly"
    row = notifications.queue_notification(channel="sms", to="+380501234567", subject="", body="x")
    assert notifications.send_pending().retried == 1
    row.refresh_from_db()
    assert row.status == NotificationStatus.PENDING and "no money" in row.last_error
    assert _Gateway.received[0][2]["action"] == "SENDMESSAGE"


def test_the_on_commit_kick_tolerates_a_broker_that_is_down(db, settings, django_capture_on_commit_callbacks):
    from gis.celery import app

    def forget_connections():
        # Celery caches its connection and producer pools for the URL it first used: without this, every later
        # test (the real worker's among them) would go on talking to the dead broker.
        app._pool = None
        app.amqp._producer_pool = None

    old = app.conf.broker_url
    forget_connections()
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        with django_capture_on_commit_callbacks(execute=True):
            row = notifications.queue_notification(channel="sms", to="+380501234567", subject="", body="x")
    finally:
        app.conf.broker_url = old
        forget_connections()
    assert Notification.objects.get(pk=row.pk).status == NotificationStatus.PENDING
