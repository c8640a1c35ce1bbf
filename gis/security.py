"""The client's address for login lockouts (django-axes) behind a reverse proxy.

nginx appends the address it saw to X-Forwarded-For (`proxy_add_x_forwarded_for`). Only the last entry is
written by our proxy, the rest by whoever sent the request, so only that one is believed, and only when the
request came from a trusted proxy (TRUSTED_PROXIES, default 127.0.0.1). Otherwise REMOTE_ADDR.

>>> class R: META = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.7"}
>>> client_ip(R)
'203.0.113.7'
>>> class D: META = {"REMOTE_ADDR": "198.51.100.2", "HTTP_X_FORWARDED_FOR": "10.0.0.1"}
>>> client_ip(D)
'198.51.100.2'
"""

from __future__ import annotations

from axes.backends import AxesStandaloneBackend
from django.conf import settings


def client_ip(request) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded and remote in settings.TRUSTED_PROXIES:
        return forwarded.split(",")[-1].strip()
    return remote


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' check before the password check, for every sign-in that comes with a request.

    Without a request there is no client to lock out (Django's test client `login()`, a shell), and
    django-axes would refuse it outright; then the check is skipped and ModelBackend decides.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)
