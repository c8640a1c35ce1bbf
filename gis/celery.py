"""The Celery app of E-City: `celery -A gis.celery worker` / `celery -A gis.celery beat` (see scripts/workers.sh).

Broker: settings.CELERY_BROKER_URL (REDIS_URL, by default the private Redis on a unix socket under
var/redis, see scripts/redis.sh). Tasks are found in each app's tasks.py; the schedule names them
by string, so gis imports no app (the import contracts forbid it).
"""

from __future__ import annotations

import os

from celery import Celery
from celery.schedules import crontab
from celery.signals import beat_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gis.settings")

app = Celery("ecity")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# How often the control job runs: escalation is due "within minutes", and the sweep is set-based and cheap.
ESCALATION_SWEEP_SECONDS = float(os.environ.get("ECITY_SWEEP_SECONDS", "180"))

HEARTBEAT_SECONDS = float(os.environ.get("HEARTBEAT_SECONDS", "60"))
# The outbox's own run, whatever the on-commit kicks did (a kick lost while Redis was down is made up here).
OUTBOX_SECONDS = float(os.environ.get("OUTBOX_SECONDS", "60"))
# The 07:00 summary again every so often (idempotent per date and recipient): a 07:00 tick the beat could not
# hand to Redis (down at that minute) is made up within this period once Redis is back.
DAILY_SUMMARY_CATCHUP_SECONDS = float(os.environ.get("DAILY_SUMMARY_CATCHUP_SECONDS", "600"))

app.conf.beat_schedule = {
    "appeals-escalation-sweep": {
        "task": "appeals.tasks.escalation_sweep",
        "schedule": ESCALATION_SWEEP_SECONDS,
        # A sweep that waited longer than one period is superseded by the next.
        "options": {"expires": ESCALATION_SWEEP_SECONDS},
    },
    # The 07:00 summary: a crontab in the app's timezone (CELERY_TIMEZONE = Europe/Kyiv), so it fires at
    # 07:00 local time in winter and in summer. The task is idempotent per date and recipient.
    "reports-daily-summary": {
        "task": "reports.tasks.send_daily_summary",
        "schedule": crontab(hour=7, minute=0, app=app),
    },
    # The same task on an interval: it queues the morning's summary (the one due now, selectors.summary_day_for)
    # to a recipient who has not had it; after one that went out it costs a lookup.
    "reports-daily-summary-catch-up": {
        "task": "reports.tasks.send_daily_summary",
        "schedule": DAILY_SUMMARY_CATCHUP_SECONDS,
        "options": {"expires": DAILY_SUMMARY_CATCHUP_SECONDS},
    },
    # Retention of personal data (appeals.retention): nightly, in the quiet hours (Kyiv time).
    "appeals-anonymise-old-appeals": {
        "task": "appeals.tasks.anonymise_old_appeals",
        "schedule": crontab(hour=3, minute=30, app=app),
    },
    # /healthz reads the time of the last one (gis/health.py): beat, broker and a worker all alive.
    "heartbeat": {
        "task": "gis.heartbeat",
        "schedule": HEARTBEAT_SECONDS,
        "options": {"expires": HEARTBEAT_SECONDS},
    },
    # The outbox: every minute, whatever the on-commit kick did (a Redis outage loses no message).
    "appeals-send-notifications": {
        "task": "appeals.tasks.send_notifications",
        "schedule": OUTBOX_SECONDS,
        "options": {"expires": OUTBOX_SECONDS},
    },
}
app.conf.broker_connection_retry_on_startup = True


@app.task(name="gis.heartbeat", ignore_result=True)
def heartbeat() -> None:
    from gis.health import record_heartbeat

    record_heartbeat()


@beat_init.connect
def _heartbeat_at_start(sender, **kwargs) -> None:
    # An interval task first runs one period after beat starts; /healthz need not wait that long.
    heartbeat.delay()
