"""Fault drill: the Celery process running the escalation sweep is killed with SIGKILL mid-sweep.

A real worker (prefork, one child) on a queue of its own runs `appeals.tasks.escalation_sweep` over 20
overdue appeals in batches of 5 (APPEALS_SWEEP_BATCH). The test stops the sweep at a known point with
table locks on the history, no timing guesses: the first batch commits, the second is in flight (its rows
updated, uncommitted, its INSERT into the history waiting), and then the child running it is killed
with SIGKILL. Its batch rolls back; the worker puts the task back (acks_late, reject_on_worker_lost) and
a new child runs it to the end; the beat's next sweep is sent too. Every appeal is escalated exactly once,
none is skipped.
"""

import os
import signal
import subprocess
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from appeals import services
from appeals.models import Appeal, AppealEvent
from tests import factories
from tests.integration.test_celery_worker import CELERY, _database_url

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.fault("Celery worker killed with SIGKILL mid escalation sweep")]
ROOT = Path(__file__).resolve().parents[2]
N, BATCH = 20, 5


def _wait(condition, what: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for: {what}"
        time.sleep(0.05)


def _lock_waiters() -> int:
    """Sessions waiting for a lock on the appeal history table."""
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'appeals_appealevent'::regclass")
        return cur.fetchone()[0]


def _escalated() -> int:
    return Appeal.objects.filter(control_level=2).count()


def _children(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(p) for p in text.split()]


def _history_lock() -> psycopg.Connection:
    """A connection of its own holding SHARE on the history: INSERTs into it wait, reads do not."""
    conn = psycopg.connect(_database_url())
    conn.execute("LOCK TABLE appeals_appealevent IN SHARE MODE")
    return conn


def test_a_worker_killed_mid_sweep_escalates_no_appeal_twice_and_skips_none(tmp_path):
    from gis.celery import app

    city = factories.tiny_city()
    lift = factories.category("t_lift_kill", service_kinds=("in_house",), hours=1, is_emergency=True)
    dispatcher = factories.staff("disp_kill", "dispatcher")
    registered = timezone.now() - timedelta(hours=3)
    for i in range(N):
        services.register_intake(dispatcher=dispatcher, category=lift, building=city.buildings["druzhby:3"],
                                 phone=f"05012345{i:02d}", now=registered + timedelta(seconds=i))
    assert _escalated() == 0

    queue = f"test-kill-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DATABASE_URL": _database_url(), "DJANGO_SETTINGS_MODULE": "gis.settings",
           "APPEALS_SWEEP_BATCH": str(BATCH)}
    log = tmp_path / "worker.log"
    first_lock = _history_lock()
    with log.open("w") as out:
        worker = subprocess.Popen(
            [str(CELERY), "-A", "gis.celery", "worker", "-Q", queue, "--pool=prefork", "--concurrency=1",
             "--without-mingle", "--without-gossip", "--without-heartbeat", "--loglevel=INFO",
             f"--hostname={queue}@%h"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    second_lock: dict = {}
    try:
        app.send_task("appeals.tasks.escalation_sweep", queue=queue)
        # Batch 1 in flight: its INSERT into the history waits behind our lock.
        _wait(lambda: _lock_waiters() == 1, "the sweep's first batch waiting on the history", 120)
        # A second lock request queues behind the sweep's: granted the moment batch 1 commits, so batch 2
        # waits in its turn.
        taker = threading.Thread(target=lambda: second_lock.setdefault("conn", _history_lock()), daemon=True)
        taker.start()
        _wait(lambda: _lock_waiters() == 2, "the second lock queued behind the sweep")
        first_lock.commit()
        taker.join(timeout=60)
        assert "conn" in second_lock
        _wait(lambda: _lock_waiters() == 1, "the sweep's second batch waiting on the history")
        assert _escalated() == BATCH  # batch 1 committed; batch 2 updated its rows but has not committed

        [child] = _children(worker.pid)
        os.kill(child, signal.SIGKILL)
        _wait(lambda: "WorkerLostError" in log.read_text() or "SIGKILL" in log.read_text(), "the worker to notice")
        _wait(lambda: child not in _children(worker.pid) and len(_children(worker.pid)) == 1, "a new child")
        second_lock["conn"].commit()  # the killed batch rolls back; the task runs again in the new child

        _wait(lambda: log.read_text().count(" succeeded in ") >= 1, "the sweep run again to the end", 120)
        # The rows of the killed batch stay locked until PostgreSQL has noticed its client is gone; a run
        # that came first skipped them (SKIP LOCKED). The beat's next sweep (every ECITY_SWEEP_SECONDS) takes
        # them: here it is sent at once.
        app.send_task("appeals.tasks.escalation_sweep", queue=queue)
        _wait(lambda: log.read_text().count(" succeeded in ") >= 2, "the next sweep", 120)
    finally:
        for c in (first_lock, second_lock.get("conn")):
            if c is not None:
                c.close()
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=10)

    text = log.read_text()
    # Received, killed (the worker says so), received again from the queue, and the next sweep.
    assert "WorkerLostError" in text and "SIGKILL" in text, text[-3000:]
    assert text.count("Task appeals.tasks.escalation_sweep[") >= 3 + 2, text[-3000:]
    assert _escalated() == N
    per_appeal = list(AppealEvent.objects.filter(action="escalated").values_list("appeal_id", flat=True))
    assert len(per_appeal) == N and len(set(per_appeal)) == N  # each appeal escalated once, none twice
    assert set(per_appeal) == set(Appeal.objects.values_list("id", flat=True))
