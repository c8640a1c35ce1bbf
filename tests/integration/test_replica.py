"""A real streaming standby of the test cluster (scripts/pg.sh standby-*), and the routing of gis/replica.py.

The module starts a standby of the private cluster (pg_basebackup -R of the running primary, after
pytest-django created the test database there, so the standby holds it too), points the `replica` alias at
it, and shows: the public surfaces read from it (the queries of a request ran on a connection where
pg_is_in_recovery() is true), a writer reads the primary, a standby paused behind its limit or stopped
sends reads to the primary without an error. No sleeps: every wait polls a condition.
"""

import os
import subprocess
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from appeals.models import Appeal
from gis import replica
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])
ROOT = Path(__file__).resolve().parents[2]
PSQL = "/usr/lib/postgresql/15/bin/psql"


def _pg(*args: str, env: dict | None = None, timeout: float = 180) -> str:
    return subprocess.run(["scripts/pg.sh", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True,
                          timeout=timeout).stdout.strip()


def wait_for(condition, what: str, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.05)


def on_standby(sql: str, params=()):
    with connections["replica"].cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchone()


@pytest.fixture(scope="module")
def standby(django_db_setup, django_db_blocker):
    """A standby of the cluster the test database lives in; the `replica` alias points at it meanwhile."""
    primary_dir = _pg("dir")
    default = settings.DATABASES["default"]
    if (default["OPTIONS"].get("host") or default["HOST"]) != str(Path(primary_dir).resolve() / "sock"):
        pytest.skip("DATABASE_URL is not the private cluster of scripts/pg.sh: no standby of it to start here")
    env = {**os.environ, "ECITY_PG_STANDBY_DIR": f"{primary_dir}-standby-test"}
    started = time.monotonic()
    _pg("standby-start", env=env)
    took = time.monotonic() - started
    options = connections["replica"].settings_dict["OPTIONS"]  # the libpq host (a socket directory) is there
    old_host = options.get("host")
    connections["replica"].close()
    options["host"] = _pg("standby-url", env=env).split("host=", 1)[1]
    replica.forget_health()
    try:
        yield {"env": env, "start_seconds": took}
    finally:
        connections["replica"].close()
        options["host"] = old_host
        replica.forget_health()
        _pg("standby-drop", env=env)


@pytest.fixture
def routed(settings, standby):
    """Reads routed as in production (the suite keeps them on the primary), with fresh health each test."""
    settings.REPLICA_READS = True
    settings.REPLICA_CHECK_SECONDS = 0.2
    settings.REPLICA_MAX_LAG_SECONDS = 5
    replica.forget_health()
    yield standby
    replica.forget_health()


def get(client, url: str):
    """GET url; returns the response and the SQL run on the standby and on the primary meanwhile."""
    with CaptureQueriesContext(connections["replica"]) as on_replica, \
            CaptureQueriesContext(connections["default"]) as on_primary:
        response = client.get(url)
    return response, [q["sql"] for q in on_replica], [q["sql"] for q in on_primary]


def test_the_standby_is_in_recovery_holds_the_test_database_and_replays_a_write(routed):
    assert on_standby("SELECT pg_is_in_recovery(), current_database()") == (True, settings.DATABASES["default"]["NAME"])
    with connections["default"].cursor() as cur:
        cur.execute("SELECT pg_is_in_recovery()")
        assert cur.fetchone() == (False,)
    factories.category("t_replica_seen", service_kinds=("in_house",), name="Видно зі standby")
    wait_for(lambda: on_standby("SELECT count(*) FROM layers_category WHERE code = 't_replica_seen'")[0] == 1,
             "the category written on the primary replayed on the standby")
    status = _pg("standby-status", env=routed["env"])
    assert "in recovery t, streaming" in status, status
    # (The base backup copies the whole cluster: its time grows with whatever else the cluster holds.)


def test_public_reads_come_from_the_standby_and_see_what_the_primary_wrote(routed, client):
    factories.category("t_replica_public", service_kinds=("in_house",), name="Публічна зі standby")
    wait_for(lambda: on_standby("SELECT count(*) FROM layers_category WHERE code = 't_replica_public'")[0] == 1,
             "the category replayed")
    response, on_replica, on_primary = get(client, "/api/v1/public/categories")
    assert response.status_code == 200
    assert "t_replica_public" in [c["code"] for c in response.json()["categories"]]
    assert any("layers_category" in sql for sql in on_replica), on_replica
    assert not any("layers_category" in sql for sql in on_primary), on_primary
    # A page that is not a read-only surface reads the primary even with a healthy standby.
    with CaptureQueriesContext(connections["replica"]) as other:
        assert client.get("/track/").status_code in (200, 302)
    assert other.captured_queries == []


def test_a_standby_paused_beyond_the_lag_limit_sends_reads_to_the_primary_until_it_catches_up(routed, client, settings):
    settings.REPLICA_MAX_LAG_SECONDS = 0.5
    on_standby("SELECT pg_wal_replay_pause()")
    try:
        factories.category("t_replica_lagging", service_kinds=("in_house",), name="Ще не на standby")
        wait_for(lambda: not replica.check_replica().usable, "the paused standby seen as behind")
        assert "behind" in replica.check_replica().reason
        response, on_replica, on_primary = get(client, "/api/v1/public/categories")
        assert response.status_code == 200
        assert "t_replica_lagging" in [c["code"] for c in response.json()["categories"]]  # read on the primary
        assert not any("layers_category" in sql for sql in on_replica)
        assert any("layers_category" in sql for sql in on_primary)
        assert on_standby("SELECT count(*) FROM layers_category WHERE code = 't_replica_lagging'")[0] == 0
    finally:
        on_standby("SELECT pg_wal_replay_resume()")
    # Back to the usual limit: 0.5 s is within reach of any WAL on a busy machine (the age of the last replayed
    # commit is what is measured while WAL is still arriving).
    settings.REPLICA_MAX_LAG_SECONDS = 5
    wait_for(lambda: replica.check_replica().usable, "the standby caught up")
    replica.forget_health()
    response, on_replica, _ = get(client, "/api/v1/public/categories")
    assert "t_replica_lagging" in [c["code"] for c in response.json()["categories"]]
    assert any("layers_category" in sql for sql in on_replica)


def test_a_writer_reads_the_primary_for_a_while_while_others_read_the_standby(routed, settings):
    city = factories.tiny_city()
    factories.category("t_replica_leak", service_kinds=("in_house",), hours=72)
    dispatcher = factories.staff("disp_replica", "dispatcher")
    settings.REPLICA_MAX_LAG_SECONDS = 120  # a paused standby stays in use: only the writer avoids it
    settings.REPLICA_READ_YOUR_WRITES_SECONDS = 120
    wait_for(lambda: on_standby("SELECT count(*) FROM auth_user WHERE username = 'disp_replica'")[0] == 1,
             "the set-up replayed")
    writer, anyone = APIClient(), APIClient()
    writer.force_login(dispatcher)
    on_standby("SELECT pg_wal_replay_pause()")
    try:
        response = writer.post("/api/v1/appeals", {"category": "t_replica_leak",
                                                   "building": city.buildings["druzhby:3"].pk}, format="json")
        assert response.status_code == 201, response.content
        number = response.json()["number"]
        assert replica.COOKIE in writer.cookies
        assert replica.check_replica().usable
        seen, on_replica, on_primary = get(writer, f"/api/v1/public/appeals/{number}")
        assert seen.status_code == 200 and seen.json()["number"] == number
        assert not any("appeals_appeal" in sql for sql in on_replica)
        assert any("appeals_appeal" in sql for sql in on_primary)
        # Someone who did not write reads the (paused) standby, which has not got the appeal yet.
        unseen, on_replica, _ = get(anyone, f"/api/v1/public/appeals/{number}")
        assert unseen.status_code == 404
        assert any("appeals_appeal" in sql for sql in on_replica)
    finally:
        on_standby("SELECT pg_wal_replay_resume()")
    wait_for(lambda: on_standby("SELECT count(*) FROM appeals_appeal WHERE number = %s", [number])[0] == 1,
             "the appeal replayed")
    assert get(anyone, f"/api/v1/public/appeals/{number}")[0].status_code == 200
    assert Appeal.objects.filter(number=number).exists()


def test_a_stopped_standby_sends_reads_to_the_primary_without_an_error(routed, client, settings):
    factories.category("t_replica_down", service_kinds=("in_house",), name="Standby зупинено")
    wait_for(lambda: on_standby("SELECT count(*) FROM layers_category WHERE code = 't_replica_down'")[0] == 1,
             "the category replayed")
    settings.REPLICA_CHECK_SECONDS = 600  # the standby is still believed healthy when it goes away
    assert replica.replica_health().usable
    on_standby("SELECT 1")  # a live connection to it, as a worker would hold
    _pg("standby-stop", env=routed["env"])
    # The request that meets the dead standby is run again on the primary.
    response, _, on_primary = get(client, "/api/v1/public/categories")
    assert response.status_code == 200, response.content
    assert "t_replica_down" in [c["code"] for c in response.json()["categories"]]
    assert any("layers_category" in sql for sql in on_primary)
    health = replica.replica_health()
    assert not health.usable and "failed" in health.reason
    # Later requests go to the primary at once (the standby is asked again after a while).
    replica.forget_health()
    with CaptureQueriesContext(connections["default"]) as on_primary:  # (capturing on the replica would connect)
        response = client.get("/api/v1/public/categories")
    assert response.status_code == 200
    assert any("layers_category" in q["sql"] for q in on_primary.captured_queries)
    assert "unreachable" in replica.replica_health().reason
    assert connections["replica"].connection is None
    assert _pg_status(routed["env"]).startswith("standby") and "stopped" in _pg_status(routed["env"])


def _pg_status(env: dict) -> str:
    result = subprocess.run(["scripts/pg.sh", "standby-status"], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=60)
    return result.stdout.strip()
