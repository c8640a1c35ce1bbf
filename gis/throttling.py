"""Rate limits on the anonymous APIs: 429 with Retry-After, counted per client address in Redis.

The rates are DRF's, in REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] ("1200/min"), set from the environment
(API_RATE_GEOCODING, API_RATE_PUBLIC, API_RATE_LOOKUP); this middleware applies them by URL, so DRF views
and plain Django views (the public map's JSON, /api/v1/lookup, Open311) share one rule. Signed-in staff are
never throttled. The count is a fixed window per scope and address in Redis, shared by every gunicorn worker.

A round trip to Redis on every request was the largest single cost of a geocoding request over HTTP on a
busy machine, so each worker counts in its own memory and adds its count to Redis in batches
(``BatchedCounter``): at the latest after ``limit // 100`` requests of one address (every request for small
limits), after ``FLUSH_SECONDS``, and always before it refuses one, so a refusal rests on the shared count.
A client spread over N workers may therefore get at most N × (limit // 100) requests beyond the limit
(1% of it per worker) before every worker refuses it; one that keeps asking is refused by all.
Without Redis the limit fails open (logged): refusing every resident would be worse.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

import redis
from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from rest_framework.throttling import SimpleRateThrottle

from gis.health import redis_client
from gis.security import client_ip

log = logging.getLogger(__name__)

# URL prefix → throttle scope; the first that matches counts.
SCOPES = (
    ("/api/v1/geocode", "geocoding"),
    ("/api/v1/suggest", "geocoding"),
    ("/api/v1/reverse", "geocoding"),
    ("/api/v1/lookup", "lookup"),
    ("/api/v1/public/", "public"),
    ("/open311/", "public"),
)


def scope_of(path: str) -> str | None:
    """
    >>> scope_of("/api/v1/suggest"), scope_of("/api/v1/public/clusters"), scope_of("/api/v1/appeals")
    ('geocoding', 'public', None)
    """
    for prefix, scope in SCOPES:
        if path.startswith(prefix):
            return scope
    return None


def rate_of(scope: str) -> tuple[int, int]:
    """(requests, seconds) for a scope, read at each request so a changed setting counts at once.

    >>> SimpleRateThrottle.parse_rate(None, "1200/min")
    (1200, 60)
    """
    return SimpleRateThrottle.parse_rate(None, settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][scope])


def over_limit(*, scope: str, ident: str, now: float | None = None) -> int:
    """Count one request exactly (one Redis round trip); 0 when it is within the rate, else the seconds
    until the window ends."""
    limit, period = rate_of(scope)
    now = time.time() if now is None else now
    window = int(now // period)
    count = _add(scope=scope, ident=ident, window=window, period=period, n=1)
    if count <= limit:
        return 0
    return _wait(window, period, now)


def _key(scope: str, ident: str, window: int) -> str:
    return f"ecity:throttle:{scope}:{ident}:{window}"


def _add(*, scope: str, ident: str, window: int, period: int, n: int) -> int:
    """Add n to the shared count of the window; the count after it."""
    pipe = redis_client().pipeline(transaction=False)
    pipe.incrby(_key(scope, ident, window), n)
    pipe.expire(_key(scope, ident, window), period + 1)
    count, _ = pipe.execute()
    return count


def _wait(window: int, period: int, now: float) -> int:
    return max(1, int((window + 1) * period - now + 0.999))


FLUSH_SECONDS = 1.0
MAX_TRACKED = 20_000  # addresses remembered per worker between flushes; older windows are dropped past it


@dataclass
class _Tally:
    window: int
    pending: int = 0  # counted here, not yet added to Redis
    shared: int = 0  # the shared count Redis gave at the last flush (every worker's)
    flushed_at: float = 0.0


class BatchedCounter:
    """One worker's counts, added to the shared Redis count in batches (see the module's docstring).

    >>> BatchedCounter.batch(1200), BatchedCounter.batch(600), BatchedCounter.batch(3)
    (12, 6, 1)
    """

    def __init__(self) -> None:
        self._tallies: dict[tuple[str, str], _Tally] = {}
        self._lock = threading.Lock()

    @staticmethod
    def batch(limit: int) -> int:
        return max(1, limit // 100)

    def count(self, *, scope: str, ident: str, now: float | None = None) -> int:
        """Count one request; 0 when it is within the rate, else the seconds until the window ends."""
        limit, period = rate_of(scope)
        now = time.time() if now is None else now
        window = int(now // period)
        with self._lock:
            tally = self._tallies.get((scope, ident))
            if tally is None or tally.window != window:
                if len(self._tallies) >= MAX_TRACKED:
                    self._prune(now)
                tally = self._tallies[(scope, ident)] = _Tally(window=window, flushed_at=now)
            tally.pending += 1
            estimate = tally.shared + tally.pending
            if (estimate <= limit and tally.pending < self.batch(limit)
                    and now - tally.flushed_at < FLUSH_SECONDS):
                return 0
            pending, tally.pending = tally.pending, 0
        try:
            shared = _add(scope=scope, ident=ident, window=window, period=period, n=pending)
        except redis.RedisError:
            with self._lock:
                tally.pending += pending  # counted at the next flush
            raise
        with self._lock:
            tally.shared = max(tally.shared, shared)
            tally.flushed_at = now
            estimate = tally.shared + tally.pending
        return 0 if estimate <= limit else _wait(window, period, now)

    def _prune(self, now: float) -> None:
        """Forget tallies whose window has ended (their counts are in Redis already, or were never due)."""
        for key, tally in list(self._tallies.items()):
            _limit, period = rate_of(key[0])
            if tally.window != int(now // period):
                del self._tallies[key]
        if len(self._tallies) >= MAX_TRACKED:  # a flood of distinct addresses within one window
            self._tallies.clear()


_counter = BatchedCounter()


class AnonymousAPIThrottleMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        scope = scope_of(request.path)
        if scope is not None and not request.user.is_authenticated:
            try:
                wait = _counter.count(scope=scope, ident=client_ip(request))
            except redis.RedisError:
                log.warning("rate limit not counted: Redis unavailable")
                wait = 0
            if wait:
                response = JsonResponse(
                    {"detail": _("Забагато запитів. Спробуйте знову через %(seconds)d с.") % {"seconds": wait},
                     "code": "throttled"}, status=429, json_dumps_params={"ensure_ascii": False})
                response["Retry-After"] = str(wait)
                return response
        return self.get_response(request)
