"""Rate limits on the anonymous APIs: 429 with Retry-After, counted per client address in Redis.

DRF's SimpleRateThrottle does the counting (a sliding window of request times per key); this middleware
applies it by URL, so DRF views and plain Django views (the public map's JSON, /api/v1/lookup) share one
rule and one set of rates: REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], set from the environment
(API_RATE_GEOCODING, API_RATE_PUBLIC, API_RATE_LOOKUP). Signed-in staff are never throttled. The count
lives in the "throttle" cache (Redis), so every gunicorn worker sees the same one.
"""

from __future__ import annotations

import logging
import math

import redis
from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from rest_framework.throttling import SimpleRateThrottle

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


class AnonymousThrottle(SimpleRateThrottle):
    def __init__(self, scope: str) -> None:
        self.scope = scope
        self.cache = caches["throttle"]
        super().__init__()

    def get_rate(self) -> str:
        # Read at each request (DRF reads its rates once at import), so a changed setting counts at once.
        return settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][self.scope]

    def get_cache_key(self, request, view) -> str | None:
        if request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request)}


class AnonymousAPIThrottleMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        scope = scope_of(request.path)
        if scope is not None:
            throttle = AnonymousThrottle(scope)
            try:
                allowed = throttle.allow_request(request, None)
            except redis.RedisError:
                # Without Redis the limit fails open (logged): refusing every resident would be worse.
                log.warning("rate limit not counted: Redis unavailable")
                allowed = True
            if not allowed:
                wait = max(1, math.ceil(throttle.wait() or 1))
                response = JsonResponse(
                    {"detail": _("Забагато запитів. Спробуйте знову через %(seconds)d с.") % {"seconds": wait},
                     "code": "throttled"}, status=429, json_dumps_params={"ensure_ascii": False})
                response["Retry-After"] = str(wait)
                return response
        return self.get_response(request)
