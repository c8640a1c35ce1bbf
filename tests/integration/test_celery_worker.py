"""One end-to-end run of the escalation sweep by a real Celery worker process over the real Redis.

The worker is a separate process: it sees only committed data (transaction=True) and connects to
this test database. It listens on a queue of its own, so a `make demo` worker on the same Redis
never takes the task.
"""

import os
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from appeals import services
from appeals.models import Appeal, AppealEvent
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).with_name("celery")


def _database_url() -> str:
    s = connection.settings_dict
    user = quote(s.get("USER") or "")
    password = f":{quote(s['PASSWORD'])}" if s.get("PASSWORD") else ""
    host, port = s.get("HOST") or (s.get("OPTIONS") or {}).get("host", ""), s.get("PORT") or ""
    if host.startswith("/"):
        return f"postgres://{user}{password}@/{s['NAME']}?host={quote(host)}"
    return f"postgres://{user}{password}@{host}{':' + str(port) if port else ''}/{s['NAME']}"


@pytest.fixture
def redis_up():
    if not os.environ.get("REDIS_URL"):
        subprocess.run([str(ROOT / "scripts" / "redis.sh"), "start"], check=True, timeout=30)
    return settings.CELERY_BROKER_URL


@pytest.fixture
def worker(redis_up, tmp_path):
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DATABASE_URL": _database_url(), "DJANGO_SETTINGS_MODULE": "gis.settings"}
    log = tmp_path / "worker.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [str(CELERY), "-A", "gis.celery", "worker", "-Q", queue, "--pool=solo", "--without-mingle",
             "--without-gossip", "--without-heartbeat", "--loglevel=INFO", f"--hostname={queue}@%h"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        yield queue, proc, log
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_sweep_task_and_the_database_shows_the_escalation(worker):
    from gis.celery import app

    queue, proc, log = worker
    city = factories.tiny_city()
    lift = factories.category("t_lift", service_kinds=("in_house",), hours=1, is_emergency=True)
    dispatcher = factories.staff("disp", "dispatcher")
    registered = timezone.now() - timedelta(hours=3)
    appeal = services.register_intake(dispatcher=dispatcher, category=lift, building=city.buildings["druzhby:3"],
                                      phone="0501234567", now=registered).appeal
    assert appeal.control_level == 0

    app.send_task("appeals.tasks.escalation_sweep", queue=queue)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        appeal.refresh_from_db()
        if appeal.control_level == 2 or proc.poll() is not None or "raised unexpected" in log.read_text():
            break
        time.sleep(0.3)
    assert appeal.control_level == 2, log.read_text()[-3000:]
    assert appeal.escalation_reason == "overdue"
    assert AppealEvent.objects.filter(appeal=appeal, action="escalated").count() == 1
    assert "appeals.tasks.escalation_sweep" in log.read_text()
    assert Appeal.objects.count() == 1
