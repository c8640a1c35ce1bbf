"""/healthz: database, Redis and the beat's heartbeat, for monitoring, with no secrets."""

import json
import time
import uuid

import pytest
from django.conf import settings

from gis import health
from gis.celery import heartbeat

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_heartbeat(settings):
    """A heartbeat key of this test's own: the shared private Redis keeps a running beat's heartbeat untouched."""
    settings.HEARTBEAT_KEY = f"ecity:test:{uuid.uuid4().hex}:beat:heartbeat"
    yield
    health.redis_client().delete(settings.HEARTBEAT_KEY)


def test_the_tests_never_touch_the_heartbeat_of_a_running_beat(no_heartbeat):
    real = health.redis_client().get(health.HEARTBEAT_KEY)
    heartbeat.apply()
    health.record_heartbeat(at=time.time() - 10_000)
    assert health.redis_client().get(health.HEARTBEAT_KEY) == real


def test_healthz_is_503_until_the_beat_has_recorded_a_heartbeat(client, no_heartbeat):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "degraded", "database": {"ok": True}, "redis": {"ok": True},
                               "beat": {"ok": False, "last_heartbeat": None, "age_seconds": None}}
    assert "no-store" in response["Cache-Control"]


def test_the_heartbeat_task_makes_healthz_report_every_part_ok(client, no_heartbeat):
    heartbeat.apply()
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["beat"]["ok"] and body["beat"]["age_seconds"] <= 5


def test_a_heartbeat_older_than_three_periods_is_reported_stale(client, no_heartbeat):
    health.record_heartbeat(at=time.time() - 3 * settings.HEARTBEAT_SECONDS - 30)
    body = client.get("/healthz").json()
    assert body["status"] == "degraded" and body["beat"]["ok"] is False and body["beat"]["age_seconds"] > 180


def test_healthz_names_no_host_socket_or_secret(client, no_heartbeat):
    heartbeat.apply()
    text = json.dumps(client.get("/healthz").json())
    for secret in (settings.SECRET_KEY, settings.REDIS_URL, settings.DATABASES["default"]["NAME"], "sock", "postgres"):
        assert secret not in text


def test_the_beat_schedule_records_a_heartbeat_every_period():
    from gis.celery import app

    [entry] = [e for e in app.conf.beat_schedule.values() if e["task"] == "gis.heartbeat"]
    assert entry["schedule"] == settings.HEARTBEAT_SECONDS
