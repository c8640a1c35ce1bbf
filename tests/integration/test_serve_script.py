"""scripts/serve.sh: one supervisor starts gunicorn, restarts it when it dies, and `stop` ends it all by pid.

Only the web process here (SERVE_PROCS=web): a Celery beat on the test database would run the real sweeps
while other tests work. Pids and logs in a directory of the test's own (SERVE_DIR).
"""

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests

from tests.integration.test_celery_worker import _database_url
from tests.servers import free_port

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _wait(condition, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.3)


def test_the_supervisor_restarts_gunicorn_when_it_dies_and_stop_ends_everything(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "DEBUG"}
    env.update(SERVE_DIR=str(tmp_path), SERVE_PROCS="web", BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="1",
               DATABASE_URL=_database_url(), SECRET_KEY="test-serve-script-" + "y" * 40)
    script = str(ROOT / "scripts" / "serve.sh")
    subprocess.run([script, "start"], cwd=ROOT, env=env, check=True, timeout=300, capture_output=True)
    supervisor = int((tmp_path / "supervisor.pid").read_text())
    try:
        first = int((tmp_path / "web.pid").read_text())
        assert requests.get(f"http://127.0.0.1:{port}/healthz", timeout=30).status_code in (200, 503)

        os.kill(first, signal.SIGKILL)
        _wait(lambda: int((tmp_path / "web.pid").read_text()) != first)
        second = int((tmp_path / "web.pid").read_text())
        assert _alive(second)

        def answers() -> bool:
            try:
                return requests.get(f"http://127.0.0.1:{port}/healthz", timeout=30).status_code in (200, 503)
            except requests.ConnectionError:
                return False

        _wait(answers)
        assert f"web (pid {first}) is gone; restart 1" in (tmp_path / "supervisor.log").read_text()
    finally:
        subprocess.run([script, "stop"], cwd=ROOT, env=env, check=True, timeout=120, capture_output=True)
    assert not _alive(supervisor) and not _alive(second)
    assert not (tmp_path / "supervisor.pid").exists() and not (tmp_path / "web.pid").exists()
