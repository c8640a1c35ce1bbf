"""Fault drill: Redis stopped during intake; nothing that must happen is lost, and it happens once.

Everything real: a Redis of the drill's own (a second redis-server on a unix socket under the test's
directory, so stopping it disturbs no other test), the real server from scripts/serve.sh (gunicorn and a
Celery worker; Celery beat under a second supervisor), an SMTP server (aiosmtpd on this drill's port) and
this test database.

1. With Redis up, a resident's filing is mailed (the pipeline works).
2. Redis stops (FAULT_REDIS_OUTAGE_SECONDS, default 10; 60 for the full minute). Beat starts during the outage,
   as if its 07:00 tick and its sweeps fell into it. Dispatchers file appeals through the API and residents
   through /report/: every one is answered at once; their messages wait in the outbox (the database).
   Overdue appeals wait for their escalation; the 07:00 summary has not been made.
3. Redis returns: the outbox's minute run sends each message once, the sweep escalates each overdue
   appeal once, the summary's catch-up run archives it and mails each recipient once.
"""

import os
import re
import subprocess
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from aiosmtpd.controller import Controller
from django.utils import timezone
from rest_framework.authtoken.models import Token

from appeals import services
from appeals.models import Appeal, AppealEvent, Notification, NotificationStatus
from reports.models import DailySummary, SummaryRecipient
from tests import factories
from tests.conftest import SmtpSink
from tests.integration import throwaway
from tests.integration.test_celery_worker import _database_url
from tests.integration.throwaway import collected_static  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.fault("Redis stopped during intake"),
              pytest.mark.drill]
ROOT = Path(__file__).resolve().parents[2]
OUTAGE = float(os.environ.get("FAULT_REDIS_OUTAGE_SECONDS", "10"))
PERIOD = "3"  # seconds between the beat's runs of the sweep, the outbox, the summary's catch-up, the heartbeat


def _wait(condition, what: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for: {what}"
        time.sleep(0.2)


class PrivateRedis:
    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.sock = directory / "redis.sock"
        self.url = f"redis+socket://{self.sock}"

    def start(self) -> None:
        subprocess.run(["redis-server", "--port", "0", "--unixsocket", str(self.sock), "--unixsocketperm", "700",
                        "--dir", str(self.dir), "--daemonize", "yes", "--pidfile", str(self.dir / "redis.pid"),
                        "--logfile", str(self.dir / "redis.log"), "--save", "", "--appendonly", "no"],
                       check=True, timeout=30, capture_output=True)
        _wait(self.up, "redis to answer", 30)

    def up(self) -> bool:
        return subprocess.run(["redis-cli", "-s", str(self.sock), "ping"], capture_output=True,
                              timeout=10).stdout.strip() == b"PONG"

    def stop(self) -> None:
        subprocess.run(["redis-cli", "-s", str(self.sock), "shutdown", "nosave"], capture_output=True, timeout=30)
        _wait(lambda: not self.sock.exists(), "redis to stop", 30)


@pytest.fixture
def smtp_sink():
    port = throwaway.free_port()
    sink = SmtpSink("127.0.0.1", port)
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


def _report(base: str, building: int, category: int, i: int, tag: str) -> requests.Response:
    """A resident's browser: the form (its CSRF cookie and token), then the filing."""
    browser = requests.Session()
    page = browser.get(f"{base}/report/", timeout=60)
    assert page.status_code == 200, page.text[-1000:]
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    return browser.post(f"{base}/report/", headers={"Referer": f"{base}/report/"}, data={
        "csrfmiddlewaretoken": csrf,
        "category": category, "building": building, "description": f"Тече дах над під'їздом ({tag} {i})",
        "name": "Оксана Петренко", "phone": f"05012{i:05d}", "email": f"resident-{tag}-{i}@example.org",
        "consent": "on", "notify": "on", "idempotency_key": f"redis-{tag}-{i}"}, timeout=60)


def test_redis_stopped_during_intake_loses_no_message_escalation_or_summary_and_sends_each_once(
        tmp_path, smtp_sink, collected_static):  # noqa: F811 (the fixture imported above)
    city = factories.tiny_city()
    leak = factories.category("t_leak_redis", service_kinds=("in_house",), hours=72, name="Протікання")
    lift = factories.category("t_lift_redis", service_kinds=("in_house",), hours=1, is_emergency=True)
    dispatcher = factories.staff("disp_redis", "dispatcher")
    token = Token.objects.create(user=dispatcher).key
    building = city.buildings["druzhby:3"].pk
    # Overdue before the drill: their escalation is due at the beat's first sweep, which falls in the outage.
    overdue = [services.register_intake(dispatcher=dispatcher, category=lift, building=city.buildings["druzhby:3"],
                                        phone=f"0501111{i:03d}", now=timezone.now() - timedelta(hours=3)).appeal.pk
               for i in range(4)]
    for who in ("mayor", "housing"):
        SummaryRecipient.objects.create(name=who, email=f"{who}@example.org")

    redis = PrivateRedis(tmp_path)
    redis.start()
    port = throwaway.free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k != "DEBUG"}
    env.update(BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="2", WEB_GRACEFUL_TIMEOUT="2", DATABASE_URL=_database_url(),
               REDIS_URL=redis.url, SECRET_KEY="test-redis-fault-" + "r" * 40, WEB_ACCESS_LOG="/dev/null",
               EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1",
               EMAIL_PORT=str(smtp_sink.port), SMS_BACKEND="log", ECITY_SWEEP_SECONDS=PERIOD, OUTBOX_SECONDS=PERIOD,
               DAILY_SUMMARY_CATCHUP_SECONDS=PERIOD, HEARTBEAT_SECONDS=PERIOD, STATIC_ROOT=str(collected_static))
    script = str(ROOT / "scripts" / "serve.sh")
    web = {**env, "SERVE_DIR": str(tmp_path / "serve"), "SERVE_PROCS": "web worker"}
    beat = {**env, "SERVE_DIR": str(tmp_path / "beat"), "SERVE_PROCS": "beat"}
    try:
        subprocess.run([script, "start"], cwd=ROOT, env=web, check=True, timeout=300, capture_output=True)
        session = requests.Session()
        session.headers["Authorization"] = f"Token {token}"

        def api_intake(i: int) -> requests.Response:
            return session.post(f"{base}/api/v1/appeals", json={"category": "t_leak_redis", "building": building,
                                                                "phone": f"05033{i:05d}", "description": "тече"},
                                headers={"Idempotency-Key": f"api-redis-{uuid.uuid4().hex}"}, timeout=60)

        # 1. Redis up: a filing is mailed at once (the on-commit kick reaches the worker).
        requests.get(f"{base}/report/", timeout=60)  # warm
        t0 = time.monotonic()
        assert _report(base, building, leak.pk, 0, "before").status_code == 200
        assert api_intake(0).status_code == 201
        with_redis = (time.monotonic() - t0) / 2
        smtp_sink.wait_for(1, timeout=120)

        # 2. The outage.
        redis.stop()
        stopped = time.monotonic()
        beat_proc = subprocess.Popen([script, "run"], cwd=ROOT, env=beat, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
        slowest, filed = 0.0, 0
        i = 0
        while time.monotonic() - stopped < OUTAGE or i < 3:
            i += 1
            t0 = time.monotonic()
            r = _report(base, building, leak.pk, i, "during")
            assert r.status_code == 200 and 'id="appeal-number"' in r.text, r.text[-2000:]
            r = api_intake(i)
            assert r.status_code == 201, r.text[:500]
            slowest = max(slowest, (time.monotonic() - t0) / 2)
            filed += 2
            time.sleep(0.5)
        during = i
        assert not redis.up()
        # Recorded first: every message is in the outbox, none sent; nothing escalated; no summary yet.
        pending = Notification.objects.filter(status=NotificationStatus.PENDING)
        assert pending.filter(recipient__startswith="resident-during-").count() == during
        assert len(smtp_sink.messages) == 1
        assert not Appeal.objects.filter(pk__in=overdue, control_level=2).exists()
        assert not DailySummary.objects.exists()

        # 3. Redis returns.
        redis.start()
        expected = 1 + during + 2  # the first filing, those during the outage, the summary to two recipients
        smtp_sink.wait_for(expected, timeout=180)
        _wait(lambda: Appeal.objects.filter(pk__in=overdue, control_level=2).count() == len(overdue), "escalations")
        time.sleep(4 * float(PERIOD))  # a few more runs of the outbox, the sweep and the catch-up: nothing more
    finally:
        if "beat_proc" in locals():
            beat_proc.terminate()
            beat_proc.wait(timeout=60)
        subprocess.run([script, "stop"], cwd=ROOT, env=web, check=False, timeout=120, capture_output=True)
        subprocess.run([script, "stop"], cwd=ROOT, env=beat, check=False, timeout=120, capture_output=True)
        redis.stop()

    messages = smtp_sink.messages
    assert len(messages) == expected, [str(m["To"]) for m in messages]
    recipients = [str(m["To"]) for m in messages]
    assert len(set(recipients)) == len(recipients)  # each once
    assert {f"resident-during-{n}@example.org" for n in range(1, during + 1)} <= set(recipients)
    assert {"mayor@example.org", "housing@example.org"} <= set(recipients)
    assert DailySummary.objects.count() == 1
    assert not Notification.objects.exclude(status=NotificationStatus.SENT).exists()
    escalated = list(AppealEvent.objects.filter(action="escalated").values_list("appeal_id", flat=True))
    assert sorted(escalated) == sorted(overdue)  # each overdue appeal once, no other
    assert Appeal.objects.filter(idempotency_key__startswith="redis-").count() == 1 + during
    assert Appeal.objects.filter(idempotency_key__startswith="api-redis-").count() == 1 + during
    print(f"Redis outage {OUTAGE:.0f} s: {filed} filings answered during it (slowest {slowest:.2f} s a request; "
          f"{with_redis:.2f} s with Redis up, load {os.getloadavg()[0]:.1f}), "
          f"{expected} mails sent once each after, {len(overdue)} escalations once each, 1 summary")
