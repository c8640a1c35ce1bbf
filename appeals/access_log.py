"""Reads of personal data, written to the audit log (audit.services): every path calls these.

Logged: an appeal's card shown with the applicant's name, phone or flat (API, page, admin); any look-up
by phone (API filter, the dispatcher's search and phone panel, the admin search); exports (when one
carries personal data, its view calls audit.services.record_export).
"""

from __future__ import annotations

import re

from appeals import roles
from appeals.models import PERSONAL_FIELDS, Appeal
from audit import services as audit

# A search term with this many digits is a phone number (appeal numbers are 26-004817: 8 digits, a dash).
_PHONE_DIGITS = 5
_APPEAL_NUMBER = re.compile(r"^\s*\d{2}-\d{6}\s*$")


def looks_like_phone(term: str) -> bool:
    """Whether a free search term is (part of) a phone number.

    >>> looks_like_phone("050 765 43 21"), looks_like_phone("26-004817"), looks_like_phone("Паркова 12")
    (True, False, False)
    """
    if _APPEAL_NUMBER.match(term or ""):
        return False
    return sum(ch.isdigit() for ch in term or "") >= _PHONE_DIGITS


def log_card_read(*, user, appeal: Appeal, request=None, where: str = "") -> None:
    """The card of ``appeal`` was shown to ``user``: audited when it showed them personal data."""
    if not roles.sees_personal_data(user):
        return
    fields = [f for f in PERSONAL_FIELDS if getattr(appeal, f, "")]
    if not fields:
        return
    audit.record(action="read_personal", actor=user, object_type="appeals.appeal", object_id=appeal.number,
                 object_repr=appeal.number, detail={"fields": fields, "where": where}, request=request)


def log_phone_search(*, user, phone: str, where: str, request=None, results: int | None = None) -> None:
    """``user`` looked people up by ``phone`` (the API filter, a page, the admin)."""
    if phone and phone.strip():
        audit.record_phone_search(actor=user, phone=phone.strip(), where=where, results=results, request=request)
