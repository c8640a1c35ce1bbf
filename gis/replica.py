"""Reads from a streaming standby: which requests, which server, and when the primary instead.

With ``DATABASE_REPLICA_URL`` set there is a second database alias, ``replica`` (a hot standby of the
primary, see ``scripts/pg.sh standby-start``). Everything about using it is decided here:

* ``REPLICA_PATHS`` lists the read-only surfaces: the public map and its APIs, tiles, clusters, the
  OGC API, analytics and reports. A GET or HEAD request to one of them is *eligible*
  (``ReplicaReadsMiddleware`` marks it in a context variable for the length of the request).
  Every other request, every write and every background job reads the primary.
* **Read-your-writes.** A request with an unsafe method (POST, PUT, PATCH, DELETE) that succeeded,
  by staff or resident, gets a signed cookie; for ``REPLICA_READ_YOUR_WRITES_SECONDS`` after it that
  browser's requests read the primary, so a writer sees what they wrote even when the standby is behind.
* **Fallback.** ``replica_health()`` asks the standby how far its replay is behind (nothing when it has
  replayed all it received from a live stream; else the age of its last replayed commit, or, when smaller,
  the age of the earlier check whose received WAL it has since replayed); a standby that is down or more than ``REPLICA_MAX_LAG_SECONDS`` behind is not used. The
  answer is kept for ``REPLICA_CHECK_SECONDS`` per process, so a request costs no extra query. Should the
  standby fail in the middle of a request, the view runs once more on the primary.
* ``PrimaryReplicaRouter`` sends the ORM's reads of an eligible request to the replica; sessions, users,
  tokens and sign-in attempts always come from the primary, and so does any read inside a transaction
  on the primary. ``read_connection()`` makes the same choice for the raw SQL of tiles and analytics.

Without ``DATABASE_REPLICA_URL`` (or with ``REPLICA_READS`` off) every read goes to the primary and the
middleware does nothing.

>>> bool(REPLICA_PATHS.match("/tiles/appeals/12/2474/1394.pbf")), bool(REPLICA_PATHS.match("/api/v1/appeals"))
(True, False)
"""

from __future__ import annotations

import contextlib
import re
import threading
import time
from collections import deque
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, InterfaceError, OperationalError, connections

REPLICA = "replica"

# The read-only surfaces (GET/HEAD only): the public map page and its APIs, tiles and clusters, the OGC
# API – Features, the analysts' page and APIs, the reports. Nothing here writes on a GET.
REPLICA_PATHS = re.compile(r"^/(?:$|tiles/|api/v1/public/|analytics/|api/v1/analytics/|ogc/|reports/)")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# Read from the primary whatever the request: what a session, a sign-in or a lockout needs must be current.
PRIMARY_ONLY_APPS = frozenset({"sessions", "auth", "authtoken", "axes", "admin", "contenttypes"})
COOKIE = "ecity_wrote"
_SALT = "gis.replica.read-your-writes"

_eligible: ContextVar[bool] = ContextVar("ecity_replica_eligible", default=False)
_used: ContextVar[bool] = ContextVar("ecity_replica_used", default=False)


def enabled() -> bool:
    return REPLICA in settings.DATABASES and getattr(settings, "REPLICA_READS", True)


@contextlib.contextmanager
def replica_reads(eligible: bool = True):
    """Within this block reads may come from the standby (the middleware uses it; so may a read-only job)."""
    token, used = _eligible.set(eligible), _used.set(False)
    try:
        yield
    finally:
        _eligible.reset(token)
        _used.reset(used)


# --- the standby's health, kept briefly per process ---------------------------------------------------

@dataclass(frozen=True)
class Health:
    usable: bool
    lag_seconds: float | None  # None: unknown (down, or nothing replayed yet)
    reason: str
    checked_at: float  # time.monotonic()


# Lag 0 when the standby is not in recovery (a promoted standby, or the test mirror), or when it has
# replayed everything it received while it streams from the primary (an idle primary sends nothing, and
# the last replayed commit may be old); otherwise the age of the last replayed commit. The status of the
# WAL receiver needs pg_read_all_stats (pg_monitor) for a role that is not a superuser; without it an
# idle primary makes the standby look behind, and reads go to the primary: safe, never stale.
_LAG_SQL = """
SELECT pg_is_in_recovery(),
       CASE WHEN NOT pg_is_in_recovery() THEN 0
            WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()
                 AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming') THEN 0
            ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 END,
       pg_last_wal_receive_lsn() - '0/0', pg_last_wal_replay_lsn() - '0/0'
"""

_health: Health | None = None
_health_lock = threading.Lock()
# (time.monotonic(), WAL position received by then) of the last checks in this process. The age of the last
# replayed commit overstates the lag after a quiet spell (a burst's first WAL arrives, the last commit
# replayed is old); once replay has passed what had been received at an earlier check, the standby is at most
# that check's age behind, and the smaller of the two bounds is the lag.
_received: deque[tuple[float, int]] = deque(maxlen=64)


def _lag_bound(now: float, received: int | None, replayed: int | None) -> float | None:
    """Seconds since the latest earlier check whose received WAL is now replayed (None: no such check)."""
    bound = None
    if replayed is not None:
        for at, position in _received:
            if position <= replayed:
                bound = now - at
    if received is not None:
        _received.append((now, int(received)))
    return bound


def check_replica() -> Health:
    """Ask the standby now (one small query on this thread's replica connection)."""
    now = time.monotonic()
    try:
        with connections[REPLICA].cursor() as cur:
            cur.execute(_LAG_SQL)
            _in_recovery, lag, received, replayed = cur.fetchone()
    except DatabaseError as exc:
        connections[REPLICA].close()
        return Health(False, None, f"unreachable: {exc.__class__.__name__}", now)
    bound = _lag_bound(now, received, replayed)
    if lag is not None and bound is not None:
        lag = min(lag, bound)
    limit = float(settings.REPLICA_MAX_LAG_SECONDS)
    if lag is None:
        return Health(False, None, "nothing replayed yet", now)
    if lag > limit:
        return Health(False, lag, f"{lag:.1f} s behind (more than {limit:g} s)", now)
    return Health(True, lag, "streaming", now)


def replica_health() -> Health:
    """The standby's health as last checked, asked again after REPLICA_CHECK_SECONDS (longer when down)."""
    global _health
    health = _health
    now = time.monotonic()
    if health is not None:
        ttl = float(settings.REPLICA_CHECK_SECONDS) * (1 if health.usable else 5)
        if now - health.checked_at < ttl:
            return health
    with _health_lock:
        health = _health
        if health is None or now - health.checked_at >= float(settings.REPLICA_CHECK_SECONDS) * (
                1 if health.usable else 5):
            health = _health = check_replica()
    return health


def forget_health() -> None:
    """Drop the kept answer (after a failure, or in tests): the next eligible read asks again."""
    global _health
    _health = None
    _received.clear()


def _mark_down(reason: str) -> None:
    global _health
    _health = Health(False, None, reason, time.monotonic())


# --- which server a read goes to ----------------------------------------------------------------------

def read_alias() -> str:
    """The alias a read of this request goes to: "replica" or "default" (see the module's docstring)."""
    if not _eligible.get() or not enabled():
        return DEFAULT_DB_ALIAS
    if connections[REPLICA].in_atomic_block:
        return REPLICA  # inside a transaction begun on the standby: stay there
    if connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return DEFAULT_DB_ALIAS  # reads inside a transaction on the primary see that transaction
    if not replica_health().usable:
        return DEFAULT_DB_ALIAS
    _used.set(True)
    return REPLICA


def read_connection():
    """The connection for a read-only raw query: ``with read_connection().cursor() as cur: ...``."""
    return connections[read_alias()]


class PrimaryReplicaRouter:
    """Writes, migrations and the primary-only apps on "default"; reads where ``read_alias()`` says."""

    def db_for_read(self, model, **hints):
        if model._meta.app_label in PRIMARY_ONLY_APPS:
            return DEFAULT_DB_ALIAS
        return read_alias()

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the standby holds the very same rows

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


# --- the middleware -----------------------------------------------------------------------------------

def wrote_recently(request) -> bool:
    """Whether this browser made a successful write less than REPLICA_READ_YOUR_WRITES_SECONDS ago."""
    return request.get_signed_cookie(COOKIE, default=None, salt=_SALT,
                                     max_age=float(settings.REPLICA_READ_YOUR_WRITES_SECONDS)) is not None


class ReplicaReadsMiddleware:
    """Marks eligible requests (REPLICA_PATHS, GET/HEAD, no recent write) and stamps writers' responses."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not enabled():
            return self.get_response(request)
        eligible = (request.method in ("GET", "HEAD") and bool(REPLICA_PATHS.match(request.path_info))
                    and not wrote_recently(request))
        with replica_reads(eligible):
            response = self.get_response(request)
        if request.method not in SAFE_METHODS and response.status_code < 400:
            response.set_signed_cookie(COOKIE, "1", salt=_SALT, max_age=int(settings.REPLICA_READ_YOUR_WRITES_SECONDS),
                                       httponly=True, samesite="Lax", secure=settings.SESSION_COOKIE_SECURE)
        return response

    def process_exception(self, request, exception):
        """The standby failed in the middle of a read: note it down, and run the view again on the primary."""
        if not (_used.get() and isinstance(exception, (OperationalError, InterfaceError))):
            return None
        match = request.resolver_match
        if match is None:
            return None
        _mark_down(f"failed during a request: {exception.__class__.__name__}")
        connections[REPLICA].close()
        with replica_reads(False):
            return match.func(request, *match.args, **match.kwargs)
