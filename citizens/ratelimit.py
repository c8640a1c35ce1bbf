"""Rate limits for residents' filings, with no outside CAPTCHA (the system must work offline).

Per client IP: a fixed one-hour window counted in Redis (CITIZENS_MAX_FILINGS_PER_IP_HOUR). Per phone:
the appeals and joins from that phone in the last hour, counted in PostgreSQL
(CITIZENS_MAX_FILINGS_PER_PHONE_HOUR), so the limit holds even while Redis is down; the IP limit then
fails open (logged), since refusing every resident would be worse.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import redis
from django.conf import settings
from django.db import connection

from appeals.errors import AppealError

log = logging.getLogger(__name__)


class RateLimited(AppealError):
    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field
        self.code = "rate_limited"


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


_client: redis.Redis | None = None


def _redis() -> redis.Redis:
    global _client
    if _client is None:
        url = settings.REDIS_URL
        if url.startswith("redis+socket://"):
            url = "unix://" + url[len("redis+socket://"):]
        _client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
    return _client


def _ip_key(ip: str, now: datetime) -> str:
    return f"ecity:citizens:ip:{ip}:{int(now.timestamp()) // 3600}"


# The phone's online appeals (no dispatcher) and joins (calls without one) of the last hour, in one round trip.
_PHONE_HOUR_SQL = """
SELECT (SELECT count(*) FROM appeals_appeal
        WHERE applicant_phone = %(phone)s AND created_at >= %(since)s AND created_by_id IS NULL AND channel <> 'phone')
     + (SELECT count(*) FROM appeals_call
        WHERE phone = %(phone)s AND started_at >= %(since)s AND dispatcher_id IS NULL)
"""


def check_filing(*, ip: str, phone: str, now: datetime) -> None:
    """Raise RateLimited if this IP or phone has filed too much in the last hour."""
    if phone:
        with connection.cursor() as cur:
            cur.execute(_PHONE_HOUR_SQL, {"phone": phone, "since": now - timedelta(hours=1)})
            (used,) = cur.fetchone()
        if used >= _limit("CITIZENS_MAX_FILINGS_PER_PHONE_HOUR", 5):
            raise RateLimited("з цього телефону вже надіслано багато звернень за останню годину; спробуйте пізніше "
                              "або зателефонуйте 1505", field="phone")
    if ip:
        try:
            used = int(_redis().get(_ip_key(ip, now)) or 0)
        except redis.RedisError as exc:
            log.warning("rate limit: Redis unavailable (%s); the IP limit is not applied", exc)
            return
        if used >= _limit("CITIZENS_MAX_FILINGS_PER_IP_HOUR", 20):
            raise RateLimited("з вашої мережі надіслано забагато звернень за годину; спробуйте пізніше "
                              "або зателефонуйте 1505", field="__all__")


def count_filing(*, ip: str, phone: str, now: datetime) -> None:
    if not ip:
        return
    try:
        pipe = _redis().pipeline()
        pipe.incr(_ip_key(ip, now))
        pipe.expire(_ip_key(ip, now), 3700)
        pipe.execute()
    except redis.RedisError as exc:
        log.warning("rate limit: Redis unavailable (%s)", exc)


def reset_ip(ip: str, now: datetime) -> None:
    """For tests and for a dispatcher who lifts a block."""
    try:
        _redis().delete(_ip_key(ip, now))
    except redis.RedisError as exc:
        log.warning("rate limit: Redis unavailable (%s)", exc)
