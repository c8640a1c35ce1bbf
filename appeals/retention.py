"""Retention: the personal data of appeals closed more than APPEALS_PERSONAL_DATA_YEARS years ago is erased.

Nightly (Celery beat ``appeals.tasks.anonymise_old_appeals``) and by ``manage.py anonymise_appeals``.
What stays: the appeal's number, category, status, dates, building and point, routes, the history's
actions and statuses, counts: every report and map still adds up. What goes: everything that names or
reaches a person, and all free text (a caller's words may name people and flats).

THE LIST of personal data is below, one entry per field, in one place. A new field with personal data
(on Appeal or on a model that hangs off an appeal) is added here, nowhere else; the test
tests/integration/test_retention.py fails when appeals.models.PERSONAL_FIELDS names a field this list
does not erase. Files (photos) are removed by ERASERS.

Legal basis (see the README, "Retention of personal data"): Law of Ukraine "On personal data protection",
art. 6: data are kept in a form that identifies a person no longer than the purpose needs; the appeal's
record (without the person) is kept for the records-keeping period of citizens' appeals.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from appeals import models as m
from audit import services as audit

log = logging.getLogger(__name__)

DEFAULT_YEARS = 3
BATCH = 1000

# --- the one list -------------------------------------------------------------------------------
# Appeal's own fields → the value they get.
APPEAL_PERSONAL_DATA: dict[str, object] = {
    "applicant_name": "",
    "applicant_phone": "",
    "applicant_email": "",
    "flat": "",
    "address_text": "",  # typed by the caller: may carry a flat ("кв. 47")
    "description": "",
    "resolution": "",
    "deadline_extension_reason": "",
    "tracking_code_hash": "",
    "notify_applicant": False,
}


@dataclass(frozen=True)
class Related:
    """Rows that hang off an appeal (``to_appeal`` is the lookup path to its id) and their personal fields."""

    model: type
    to_appeal: str
    fields: dict[str, object]


RELATED_PERSONAL_DATA: list[Related] = [
    Related(m.AppealRoute, "appeal_id", {"rejection_reason": ""}),
    Related(m.Call, "appeal_id", {"phone": "", "note": ""}),
    Related(m.Notification, "appeal_id", {"recipient": "", "subject": "", "body": "", "html_body": "",
                                          "attachments": [], "last_error": ""}),
    Related(m.OutageSubscription, "call__appeal_id", {"address": ""}),
]

# The history is append-only (appeals migrations 0002/0005): only its note and these keys of its data
# may be blanked, and only inside anonymise() (the database checks nothing else changes).
EVENT_FREE_TEXT_KEYS: tuple[str, ...] = ("reason", "resolution", "note", "phone", "email", "name")

# Callables given the appeal ids of a batch; they erase what is not a column (files) and return a count.
ERASERS: list[Callable[[Sequence[int]], int]] = []


def _erase_photos(appeal_ids: Sequence[int]) -> int:
    photos = list(m.AppealPhoto.objects.filter(appeal_id__in=appeal_ids))
    files = [p.file for p in photos if p.file]
    m.AppealPhoto.objects.filter(pk__in=[p.pk for p in photos]).delete()
    # The files go once the rows are gone for good (a rolled-back batch keeps both).
    transaction.on_commit(lambda: [f.storage.delete(f.name) for f in files])
    return len(photos)


ERASERS.append(_erase_photos)

# Rows with personal data that belong to no appeal: erased by their own date.
STANDALONE_PERSONAL_DATA: list[tuple[type, str, dict[str, object]]] = [
    (m.Call, "started_at", {"phone": "", "note": ""}),  # consultations, status inquiries
    (m.Notification, "created_at", {"recipient": "", "subject": "", "body": "", "html_body": "", "attachments": []}),
    (m.OutageSubscription, "created_at", {"address": ""}),
]
# --- end of the list ----------------------------------------------------------------------------


def years() -> float:
    return float(getattr(settings, "APPEALS_PERSONAL_DATA_YEARS", DEFAULT_YEARS))


def cutoff(*, now: dt.datetime | None = None, keep_years: float | None = None) -> dt.datetime:
    """The moment before which a closed appeal's personal data goes (365.25 days a year)."""
    now = now or timezone.now()
    return now - dt.timedelta(days=365.25 * (years() if keep_years is None else keep_years))


def _has_personal_data() -> Q:
    q = Q()
    for name, blank in APPEAL_PERSONAL_DATA.items():
        q |= ~Q(**{name: blank})
    return q


def due(*, before: dt.datetime) -> QuerySet[m.Appeal]:
    """Appeals closed (closed, cancelled, duplicate) before ``before`` that still hold personal data."""
    return m.Appeal.objects.filter(status__in=m.FINAL_STATUSES, closed_at__lt=before).filter(_has_personal_data())


@dataclass
class RetentionReport:
    before: dt.datetime
    appeals: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    dry_run: bool = False

    def add(self, what: str, n: int) -> None:
        if n:
            self.rows[what] = self.rows.get(what, 0) + n


def _blank_events(appeal_ids: Sequence[int]) -> int:
    with connection.cursor() as cur:
        cur.execute("SET LOCAL ecity.anonymise = 'on'")
        cur.execute(
            "UPDATE appeals_appealevent SET note = '', data = (data::jsonb - %s::text[])::jsonb "
            "WHERE appeal_id = ANY(%s) AND (note <> '' OR data::jsonb ?| %s::text[])",
            [list(EVENT_FREE_TEXT_KEYS), list(appeal_ids), list(EVENT_FREE_TEXT_KEYS)],
        )
        n = cur.rowcount
        cur.execute("SET LOCAL ecity.anonymise = ''")
    return n


def _anonymise_batch(appeal_ids: list[int], report: RetentionReport) -> None:
    with transaction.atomic():
        now = timezone.now()
        report.add("appeal", m.Appeal.objects.filter(pk__in=appeal_ids).update(
            **APPEAL_PERSONAL_DATA, updated_at=now))
        for rel in RELATED_PERSONAL_DATA:
            report.add(rel.model._meta.model_name, rel.model.objects.filter(**{f"{rel.to_appeal}__in": appeal_ids})
                       .update(**rel.fields))
        report.add("appealevent", _blank_events(appeal_ids))
        for eraser in ERASERS:
            report.add(eraser.__name__.removeprefix("_erase_"), eraser(appeal_ids))


def anonymise(*, before: dt.datetime | None = None, dry_run: bool = False, batch: int = BATCH) -> RetentionReport:
    """Erase the personal data of every appeal closed before ``before`` (default: the retention cutoff).

    Batches of ``batch`` appeals, each atomic (an appeal is never half-anonymised); idempotent (an
    anonymised appeal holds nothing the query looks for). One audit entry per run that changed something.
    """
    before = before or cutoff()
    report = RetentionReport(before=before, dry_run=dry_run)
    ids = list(due(before=before).order_by("pk").values_list("pk", flat=True))
    report.appeals = len(ids)
    if dry_run:
        return report
    for start in range(0, len(ids), batch):
        _anonymise_batch(ids[start:start + batch], report)
    with transaction.atomic():
        for model, date_field, fields in STANDALONE_PERSONAL_DATA:
            q = Q()
            for name, blank in fields.items():
                q |= ~Q(**{name: blank})
            rows = model.objects.filter(**{f"{date_field}__lt": before}).filter(q)
            if hasattr(model, "appeal_id"):
                rows = rows.filter(appeal__isnull=True)
            report.add(f"{model._meta.model_name} (no appeal)", rows.update(**fields))
    if report.appeals or report.rows:
        audit.record(action="anonymise", actor_label="retention", object_type="appeals.appeal",
                     object_repr=f"closed before {before:%Y-%m-%d}",
                     detail={"appeals": report.appeals, "rows": report.rows, "years": years()})
    log.info("retention: %s appeals closed before %s anonymised (%s)", report.appeals, before, report.rows)
    return report
