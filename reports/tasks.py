"""Celery tasks of reports. Thin: the work is in reports.services."""

from __future__ import annotations

import logging
from datetime import date, datetime

from celery import shared_task
from django.utils import timezone

from reports import selectors, services

log = logging.getLogger(__name__)


@shared_task(name="reports.tasks.send_daily_summary", ignore_result=True)
def send_daily_summary(day: str | None = None, at: str | None = None) -> dict:
    """Archive and queue the 07:00 summary (beat: crontab 07:00 in the app's timezone, Europe/Kyiv).

    Without `day`, the morning due at `at` (an ISO instant; default now), see selectors.summary_day_for.
    Safe to run twice: the archive is one row per date and the outbox refuses a second mail with the
    same dedupe key, so a beat that fires again, a retry or a restarted worker sends nothing more.
    """
    instant = datetime.fromisoformat(at) if at else timezone.now()
    morning = date.fromisoformat(day) if day else selectors.summary_day_for(at=instant)
    result = services.send_daily_summary(day=morning)
    out = {"day": morning.isoformat(), "queued": len(result.queued), "already": len(result.already)}
    log.info("daily summary: %s", out)
    return out
