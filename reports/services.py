"""Writes of the reports: the archived 07:00 summary, its e-mail, and the providers' daily reports.

The summary is archived once per morning (DailySummary.date is unique) and mailed through the
appeals outbox with the dedupe key daily-summary:YYYY-MM-DD:<recipient>, so a second run of the
beat task, a retry or a restarted worker never sends it twice, and a Redis outage only delays it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from layers.models import Provider
from reports import documents, selectors
from reports.models import DailySummary, ProviderDailyReport, SummaryRecipient

EMAIL_CHANNEL = "email"


class ReportError(Exception):
    """A report could not be made or saved; str() is a message in Ukrainian for a person."""


def _daily_context(*, day: date, now: datetime) -> dict:
    from reports import reads

    report_day = selectors.report_day_for(day=day)
    done = reads.run_all({
        "figures": lambda: selectors.daily_figures(day=day),
        "provider_reports": lambda: selectors.provider_reports(report_day=report_day),
        "missing": lambda: selectors.providers_not_reported(day=day),
        # WeasyPrint's import (Pango through cffi) takes a good part of a second: done while the database counts.
        "pdf_engine": documents.load_engine,
    })
    return {"figures": done["figures"], "generated_at": now, "report_day": report_day,
            "provider_reports": done["provider_reports"], "missing": done["missing"]}


def render_daily(*, day: date, now: datetime | None = None) -> tuple[dict, str, str]:
    """(context, body fragment, full document) of the summary for the morning of `day`; nothing saved."""
    now = now or timezone.now()
    ctx = _daily_context(day=day, now=now)
    body = render_to_string("reports/_daily_body.html", ctx)
    document = render_to_string("reports/daily_document.html", {**ctx, "body": body})
    return ctx, body, document


def build_daily_summary(*, day: date, now: datetime | None = None, regenerate: bool = False) -> DailySummary:
    """The archived summary for the morning of `day`, made now if there is none (or `regenerate`)."""
    existing = DailySummary.objects.filter(date=day).first()
    if existing is not None and not regenerate:
        return existing
    now = now or timezone.now()
    ctx, body, document = render_daily(day=day, now=now)
    pdf = documents.pdf_from_html(document)
    figures = ctx["figures"]
    summary, _created = DailySummary.objects.update_or_create(date=day, defaults={
        "window_start": figures.window_start, "window_end": figures.window_end, "generated_at": now,
        "body_html": body, "document_html": document, "pdf": pdf,
        "figures": {**figures.as_json(), "providers_not_reported": [p.name for p in ctx["missing"]]},
    })
    return summary


def write_daily_files(*, summary: DailySummary, out_dir: Path) -> list[Path]:
    """The archived summary as zvedennia-YYYY-MM-DD.html and .pdf in out_dir."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"zvedennia-{summary.date.isoformat()}"
    html_path, pdf_path = out_dir / f"{stem}.html", out_dir / f"{stem}.pdf"
    html_path.write_text(summary.document_html, encoding="utf-8")
    pdf_path.write_bytes(bytes(summary.pdf))
    return [html_path, pdf_path]


def _plain_text(summary: DailySummary) -> str:
    f = summary.figures
    lines = [
        _("Зведення контакт-центру 1505 о 7:00 за %(d)s") % {"d": summary.date.strftime("%d.%m.%Y")},
        _("Дзвінків: %(n)s") % {"n": f.get("calls")},
        _("Нових звернень: %(n)s") % {"n": f.get("appeals")},
        _("Виконано: %(n)s") % {"n": f.get("resolved")},
        _("Прострочено: %(n)s, з них понад добу: %(m)s") % {"n": f.get("overdue"), "m": f.get("long_overdue")},
        "",
        _("Повний текст — у вкладеному PDF."),
    ]
    return "\n".join(lines)


@dataclass(frozen=True)
class SendResult:
    summary: DailySummary
    queued: list[str]  # recipients queued by this run
    already: list[str]  # recipients whose mail for this date was queued before


def send_daily_summary(*, day: date, now: datetime | None = None) -> SendResult:
    """Archive the summary for the morning of `day` (if not yet) and queue it to every active recipient:
    HTML body, PDF attached. Idempotent per date and recipient (the outbox's dedupe key)."""
    from appeals.notifications import queue_notification

    summary = build_daily_summary(day=day, now=now)
    subject = _("Зведення 1505 о 7:00 за %(d)s") % {"d": summary.date.strftime("%d.%m.%Y")}
    attachment = (f"zvedennia-{summary.date.isoformat()}.pdf", bytes(summary.pdf), "application/pdf")
    queued, already = [], []
    for recipient in SummaryRecipient.objects.filter(active=True).order_by("email"):
        with transaction.atomic():
            note = queue_notification(
                channel=EMAIL_CHANNEL, to=recipient.email, subject=subject, body=_plain_text(summary),
                html_body=summary.document_html, dedupe_key=f"daily-summary:{summary.date.isoformat()}:{recipient.email}",
                attachments=[attachment],
            )
        (queued if note is not None else already).append(recipient.email)
    return SendResult(summary=summary, queued=queued, already=already)


# --- the providers' own daily reports ----------------------------------------------------------------


def submit_provider_report(*, provider: Provider, day: date, done_today: str, still_open: str = "",
                           planned_outages: str = "", user=None, now: datetime | None = None) -> ProviderDailyReport:
    """Save (or correct) a provider's report for `day`. Done-today is required; the rest may be empty."""
    if not done_today.strip():
        raise ReportError(_("Опишіть, що виконано за день."))
    now = now or timezone.now()
    if day > timezone.localdate(now, selectors.KYIV):
        raise ReportError(_("Звіт подається за сьогодні або за минулий день, не наперед."))
    report, _created = ProviderDailyReport.objects.update_or_create(provider=provider, date=day, defaults={
        "done_today": done_today.strip(), "still_open": still_open.strip(), "planned_outages": planned_outages.strip(),
        "submitted_by": user if getattr(user, "pk", None) else None, "submitted_at": now,
    })
    return report
