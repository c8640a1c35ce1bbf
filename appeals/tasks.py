"""Celery tasks of appeals. Thin: the work is in appeals.control (a plain, tested function)."""

from __future__ import annotations

import logging

from celery import shared_task

from appeals import control

log = logging.getLogger(__name__)


# acks_late + reject_on_worker_lost: a worker process killed mid-sweep (SIGKILL, the OOM killer) puts the task
# back on the queue and another process runs it again. That is safe: each batch is one transaction that
# escalates only rows still below level 2 (FOR UPDATE SKIP LOCKED), so a batch in flight at the kill rolls
# back and is taken again, a committed one is never escalated twice.
@shared_task(name="appeals.tasks.escalation_sweep", ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def escalation_sweep() -> dict:
    """Run two-level control now: escalate (level 2) and, once per shift, record the level-1 shift report."""
    report = control.run_escalation_sweep()
    summary = {
        "escalated": report.escalated,
        "shift_report": report.shift_report.pk if report.shift_report else None,
        "unreported": report.shift_report.count if report.shift_report else None,
        "seconds": round(report.seconds, 3),
    }
    log.log(logging.WARNING if report.escalated_total else logging.INFO, "escalation sweep: %s", summary)
    return summary


@shared_task(name="appeals.tasks.send_notifications", ignore_result=True)
def send_notifications() -> dict:
    """Send the outbox's pending messages (appeals.notifications.send_pending)."""
    from appeals import notifications

    report = notifications.send_pending()
    summary = {"sent": report.sent, "retried": report.retried, "failed": report.failed}
    log.log(logging.WARNING if report.failed else logging.INFO, "outbox: %s", summary)
    return summary


@shared_task(name="appeals.tasks.anonymise_old_appeals", ignore_result=True)
def anonymise_old_appeals() -> dict:
    """Nightly retention: erase the personal data of appeals closed long ago (appeals.retention)."""
    from appeals import retention

    report = retention.anonymise()
    summary = {"appeals": report.appeals, "rows": report.rows, "before": report.before.isoformat()}
    log.info("retention: %s", summary)
    return summary
