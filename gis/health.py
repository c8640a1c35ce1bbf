"""/healthz for monitoring: the database, Redis and the Celery beat's last heartbeat; no secrets in it.

The beat schedules `gis.heartbeat` every HEARTBEAT_SECONDS; a worker runs it and stores the time in Redis.
A fresh heartbeat therefore says that beat, broker and a worker all work. The answer is 200 when every
part is fine, 503 otherwise (what a load balancer or a monitoring check wants), always with the details:

    {"status": "ok", "database": {"ok": true}, "redis": {"ok": true},
     "beat": {"ok": true, "last_heartbeat": "2026-12-03T17:50:00+00:00", "age_seconds": 12}}
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from functools import cache

import redis
from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

HEARTBEAT_KEY = "ecity:beat:heartbeat"


def heartbeat_key() -> str:
    """settings.HEARTBEAT_KEY when set (a test takes a key of its own, so it never hides a running beat's)."""
    return getattr(settings, "HEARTBEAT_KEY", None) or HEARTBEAT_KEY


@cache
def redis_client() -> redis.Redis:
    """A client for settings.REDIS_URL, which may use Celery's redis+socket:// form for a unix socket."""
    url = settings.REDIS_URL
    if url.startswith("redis+socket://"):
        return redis.Redis(unix_socket_path=url.removeprefix("redis+socket://"), socket_timeout=2)
    return redis.Redis.from_url(url, socket_timeout=2)


def record_heartbeat(*, at: float | None = None) -> None:
    """Store the time of this heartbeat (kept for a day: a stale one is itself the news)."""
    redis_client().set(heartbeat_key(), repr(time.time() if at is None else at), ex=24 * 3600)


def _database() -> dict:
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
            cur.fetchone()
    except DatabaseError:
        return {"ok": False}
    return {"ok": True}


def _redis_and_beat() -> tuple[dict, dict]:
    try:
        raw = redis_client().get(heartbeat_key())
    except redis.RedisError:
        return {"ok": False}, {"ok": False, "last_heartbeat": None, "age_seconds": None}
    if raw is None:
        return {"ok": True}, {"ok": False, "last_heartbeat": None, "age_seconds": None}
    at = float(raw)
    age = max(0, round(time.time() - at))
    # Three periods of grace: one missed beat (a worker busy with a long task) is not an outage.
    return {"ok": True}, {"ok": age <= 3 * settings.HEARTBEAT_SECONDS,
                          "last_heartbeat": datetime.fromtimestamp(at, UTC).isoformat(timespec="seconds"),
                          "age_seconds": age}


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    database = _database()
    redis_part, beat = _redis_and_beat()
    ok = database["ok"] and redis_part["ok"] and beat["ok"]
    return JsonResponse({"status": "ok" if ok else "degraded", "database": database, "redis": redis_part,
                         "beat": beat}, status=200 if ok else 503)
