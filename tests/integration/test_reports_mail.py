"""The 07:00 mail: when the beat's crontab falls due at 07:00 Kyiv (the clock driven by the test), the summary
reaches a real SMTP server (aiosmtpd) once per recipient, HTML body and PDF attached, and never twice."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from pypdf import PdfReader

from appeals import notifications
from appeals.demo import history
from gis.celery import app
from reports import tasks
from reports.models import DailySummary, SummaryRecipient

KYIV = history.KYIV


@pytest.fixture
def driven_schedule():
    """The beat entry's own crontab, with its clock set by the test (restored afterwards)."""
    entry = app.conf.beat_schedule["reports-daily-summary"]
    assert entry["task"] == "reports.tasks.send_daily_summary"
    schedule = entry["schedule"]
    saved = schedule.nowfun
    clock = {}
    schedule.nowfun = lambda: clock["now"]

    def is_due(*, now: datetime, last_run_at: datetime) -> bool:
        clock["now"] = now
        return schedule.is_due(last_run_at).is_due

    yield is_due
    schedule.nowfun = saved


def test_the_beat_fires_at_seven_kyiv_and_the_summary_reaches_the_smtp_server_once_with_the_pdf(
        registry, smtp_server, driven_schedule):
    history.generate_history(years=0.1, calls_per_year=4000, now=datetime(2026, 10, 25, 12, 0, tzinfo=KYIV), seed=3)
    SummaryRecipient.objects.create(name="Міський голова", email="mayor@kramatorsk.example")
    SummaryRecipient.objects.create(name="Відділ звернень", email="appeals@kramatorsk.example")
    SummaryRecipient.objects.create(name="Колишній отримувач", email="former@kramatorsk.example", active=False)
    # The morning the clocks go back: the window is 25 hours, and 07:00 is 05:00 UTC (yesterday it was 04:00 UTC,
    # so "24 hours after the last run" would fire an hour early).
    last_run = datetime(2026, 10, 24, 7, 0, 5, tzinfo=KYIV)
    assert last_run.astimezone(UTC).hour == 4
    assert not driven_schedule(now=datetime(2026, 10, 25, 4, 0, 6, tzinfo=UTC), last_run_at=last_run)
    assert not driven_schedule(now=datetime(2026, 10, 25, 6, 59, tzinfo=KYIV), last_run_at=last_run)
    fire = datetime(2026, 10, 25, 7, 0, 1, tzinfo=KYIV)
    assert fire.astimezone(UTC).hour == 5
    assert driven_schedule(now=fire, last_run_at=last_run)

    assert tasks.send_daily_summary.apply(kwargs={"at": fire.isoformat()}).get() == {
        "day": "2026-10-25", "queued": 2, "already": 0}
    assert notifications.send_pending().sent == 2
    messages = smtp_server.wait_for(2, timeout=30)

    # It fires again (a restarted beat, a retry): nothing more is sent.
    assert driven_schedule(now=fire + timedelta(minutes=1), last_run_at=last_run)
    assert tasks.send_daily_summary.apply(kwargs={"at": (fire + timedelta(minutes=1)).isoformat()}).get()["queued"] == 0
    assert notifications.send_pending().sent == 0
    # Once it ran, the next due time is tomorrow's 07:00.
    assert not driven_schedule(now=fire + timedelta(hours=23, minutes=58), last_run_at=fire)
    assert driven_schedule(now=datetime(2026, 10, 26, 7, 0, tzinfo=KYIV), last_run_at=fire)

    assert len(smtp_server.messages) == 2
    assert sorted(rcpt for _from, rcpts in smtp_server.envelopes for rcpt in rcpts) == [
        "appeals@kramatorsk.example", "mayor@kramatorsk.example"]
    summary = DailySummary.objects.get(date="2026-10-25")
    for message in messages:
        assert "25.10.2026" in message["Subject"]
        html = message.get_body(preferencelist=("html",)).get_content()
        assert "Зведення контакт-центру 1505 о 7:00 за 25.10.2026" in html and "(25 год)" in html
        (pdf_part,) = [p for p in message.iter_attachments() if p.get_content_type() == "application/pdf"]
        assert pdf_part.get_filename() == "zvedennia-2026-10-25.pdf"
        pdf = pdf_part.get_content()
        assert pdf == bytes(summary.pdf)
        text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
        assert "25.10.2026" in text and f"{summary.figures['calls']}" in text
