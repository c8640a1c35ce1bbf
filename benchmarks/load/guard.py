"""The load test's target must be this machine: a loopback address (127.0.0.0/8, ::1), never anything else.

Apart from the locustfile so that it can be tested without importing locust (which patches the standard
library with gevent).

>>> loopback_refusal("http://127.0.0.1:8140"), loopback_refusal("http://[::1]:8140")
('', '')
>>> loopback_refusal("http://192.0.2.1:8000")
"host '192.0.2.1' is not a loopback address; refused"
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit


def loopback_refusal(url: str) -> str:
    """Why the load may not go to `url` ('' when every address the host resolves to is loopback)."""
    host = urlsplit(url or "").hostname or ""
    if not host:
        return "no host given (--host http://127.0.0.1:PORT)"
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except socket.gaierror:
        return f"host {host!r} does not resolve; refused"
    if not all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses):
        return f"host {host!r} is not a loopback address; refused"
    return ""
