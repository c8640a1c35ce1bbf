"""Rate limits on the anonymous APIs: 429 with Retry-After, counted per client address in Redis.

The rates are DRF's, in REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] ("1200/min"), set from the environment
(API_RATE_GEOCODING, API_RATE_PUBLIC, API_RATE_LOOKUP); this middleware applies them by URL, so DRF views
and plain Django views (the public map's JSON, /api/v1/lookup, Open311) share one rule. Signed-in staff are
never throttled. The count is a fixed window per scope and address in Redis, one round trip (INCR + EXPIRE
in a pipeline) per request, shared by every gunicorn worker; DRF's own SimpleRateThrottle keeps a list of
request times and needs a read and a write through the cache, which cost more than the lookup it guards.
Without Redis the limit fails open (logged): refusing every resident would be worse.
"""

from __future__ import annotations

import logging
import time

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
    """Count one request; 0 when it is within the rate, else the seconds until the window ends."""
    limit, period = rate_of(scope)
    now = time.time() if now is None else now
    window = int(now // period)
    key = f"ecity:throttle:{scope}:{ident}:{window}"
    pipe = redis_client().pipeline(transaction=False)
    pipe.incr(key)
    pipe.expire(key, period + 1)
    count, _ = pipe.execute()
    if count <= limit:
        return 0
    return max(1, int((window + 1) * period - now + 0.999))


class AnonymousAPIThrottleMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        scope = scope_of(request.path)
        if scope is not None and not request.user.is_authenticated:
            try:
                wait = over_limit(scope=scope, ident=client_ip(request))
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
