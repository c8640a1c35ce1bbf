"""Writes to the audit log. Callers: layers' admin and importers (registry changes), appeals' API, pages
and admin (reads of personal data, phone searches), retention (anonymisation), exports.

>>> from audit.services import describe_actor
>>> describe_actor(None, label="import:providers")
(None, 'import:providers')
"""

from __future__ import annotations

import getpass
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from audit.models import AuditAction, AuditEntry

# Who acts when no user is at hand (an import, a nightly task): set by acting_as().
_ACTING_AS: ContextVar[str] = ContextVar("audit_acting_as", default="")


@contextmanager
def acting_as(label: str) -> Iterator[None]:
    """Entries written inside name ``label`` as the actor when no user is given (e.g. "import:providers")."""
    token = _ACTING_AS.set(label)
    try:
        yield
    finally:
        _ACTING_AS.reset(token)


def describe_actor(user, *, label: str = "") -> tuple[int | None, str]:
    """(id, name) of who acts: a signed-in user, else the label given (or set by acting_as), else the OS
    user of a command."""
    if user is not None and getattr(user, "is_authenticated", False):
        return user.pk, user.get_username()
    label = label or _ACTING_AS.get()
    if label:
        return None, label
    try:
        return None, f"system:{getpass.getuser()}"
    except (KeyError, OSError):  # no passwd entry (a container's uid)
        return None, "system"


def _client_ip(request) -> str | None:
    ip = request.META.get("REMOTE_ADDR") if request is not None else None
    return ip or None


def record(*, action: str, actor=None, actor_label: str = "", object_type: str = "", object_id: object = "",
           object_repr: str = "", detail: dict | None = None, request=None) -> AuditEntry:
    """Append one entry. ``actor`` is a user (or None with ``actor_label``); ``request`` adds path and IP.

    Raises ValueError for an unknown action (a typo must not write an entry nobody can filter for).
    """
    if action not in AuditAction.values:
        raise ValueError(f"unknown audit action {action!r}")
    if actor is None and request is not None:
        actor = getattr(request, "user", None)
    actor_id, name = describe_actor(actor, label=actor_label)
    return AuditEntry.objects.create(
        actor_id=actor_id, actor=name[:150], action=action, object_type=object_type[:64], object_id=str(object_id)[:64],
        object_repr=str(object_repr)[:200], detail=dict(detail or {}),
        path=(request.get_full_path()[:300] if request is not None else ""), ip=_client_ip(request),
    )


def record_model_change(*, action: str, obj, actor=None, actor_label: str = "", changed: Iterable[str] = (),
                        request=None, detail: dict | None = None) -> AuditEntry:
    """A registry row created, changed or deleted: its model label, id, text and the fields changed."""
    info = {"fields": sorted(changed)} if changed else {}
    info.update(detail or {})
    return record(action=action, actor=actor, actor_label=actor_label, object_type=obj._meta.label_lower,
                  object_id=obj.pk if obj.pk is not None else "", object_repr=str(obj), detail=info, request=request)


def record_personal_read(*, actor, object_type: str, object_id: object, object_repr: str = "", fields: Iterable[str] = (),
                         request=None) -> AuditEntry:
    """Someone was shown personal data (a name, a phone, a flat) of one object."""
    return record(action=AuditAction.READ_PERSONAL, actor=actor, object_type=object_type, object_id=object_id,
                  object_repr=object_repr, detail={"fields": sorted(fields)} if fields else {}, request=request)


def record_phone_search(*, actor, phone: str, where: str, results: int | None = None, request=None) -> AuditEntry:
    """Someone looked people up by a phone number (the number searched is kept: that is what was read)."""
    detail = {"phone": phone, "where": where}
    if results is not None:
        detail["results"] = results
    return record(action=AuditAction.PHONE_SEARCH, actor=actor, object_type="phone", object_id=phone,
                  detail=detail, request=request)


def record_export(*, actor, what: str, rows: int, filters: dict | None = None, request=None) -> AuditEntry:
    """Someone exported rows with personal data (a file leaves the system)."""
    return record(action=AuditAction.EXPORT, actor=actor, object_type=what, detail={"rows": rows, **(filters or {})},
                  request=request)
