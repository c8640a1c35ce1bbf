"""Keyset pagination for staff lists: any number of rows, each page one index range.

A page number makes PostgreSQL count and skip every row before the page (and the journal of a busy
provider holds hundreds of thousands); a keyset page starts after the last row shown, so page 2,000
costs what page 1 does. The cursor is the ordering values of that row, opaque to the user.

>>> token = encode_cursor([datetime(2026, 1, 2, 3, 4, tzinfo=UTC), 17])
>>> decode_cursor(token)
[datetime.datetime(2026, 1, 2, 3, 4, tzinfo=datetime.timezone.utc), 17]
>>> decode_cursor("not base64 at all") is None
True
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime  # noqa: F401 (UTC: the doctest)

from django.db.models import Q, QuerySet

MAX_PAGE_SIZE = 200


def encode_cursor(values: list) -> str:
    plain = [{"t": v.isoformat()} if isinstance(v, datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(token: str) -> list | None:
    """The values of a cursor, or None when it is not one of ours (a stale or edited link: page one)."""
    try:
        raw = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(raw, list):
        return None
    out = []
    for v in raw:
        if isinstance(v, dict) and isinstance(v.get("t"), str):
            try:
                out.append(datetime.fromisoformat(v["t"]))
            except ValueError:
                return None
        elif isinstance(v, int | str) or v is None:
            out.append(v)
        else:
            return None
    return out


def _after(order: tuple[str, ...], values: list) -> Q:
    """Rows strictly after `values` in `order` (each field ascending, or descending with a leading '-')."""
    condition = Q()
    for i in range(len(order) - 1, -1, -1):
        name = order[i].lstrip("-")
        step = Q(**{f"{name}__lt" if order[i].startswith("-") else f"{name}__gt": values[i]})
        condition = step if i == len(order) - 1 else step | (Q(**{name: values[i]}) & condition)
    return condition


@dataclass(frozen=True)
class KeysetPage:
    items: list
    next_cursor: str | None
    is_first: bool


def keyset_page(qs: QuerySet, *, order: tuple[str, ...], cursor: str | None, size: int) -> KeysetPage:
    """One page of `qs` in `order` (whose last field must be unique, e.g. "id"), after `cursor`.

    Ordering fields must not be NULL (a NULL never compares; such rows would be skipped).
    """
    size = max(1, min(size, MAX_PAGE_SIZE))
    values = decode_cursor(cursor) if cursor else None
    if values is not None and len(values) != len(order):
        values = None
    qs = qs.order_by(*order)
    if values is not None:
        qs = qs.filter(_after(order, values))
    items = list(qs[: size + 1])
    more = len(items) > size
    items = items[:size]
    next_cursor = None
    if more:
        last = items[-1]
        next_cursor = encode_cursor([getattr(last, f.lstrip("-")) for f in order])
    return KeysetPage(items=items, next_cursor=next_cursor, is_first=values is None)
