"""Two-level control.

Level 1: the provider reports within the dispatcher's shift. Shift changes are configurable
(settings.APPEALS_SHIFT_TIMES, "HH:MM" in Kyiv, default 08:00 and 20:00). At each shift's end a
ShiftReport lists the appeals a provider held through the whole shift without a report; they go to
control level 1 and the dispatchers see the list.

Level 2: overdue, or rejected twice, or reopened → escalated to the supervisor responsible for the
provider's kind (a deputy mayor), who works an escalation queue (selectors.escalation_queue) and
sets a plan date (services.set_plan_date).

run_escalation_sweep does both, set-based (one UPDATE ... RETURNING feeding one INSERT into the
history), and is what the Celery beat task calls every few minutes.
"""

from __future__ import annotations

import time as _time
from dataclasses import dataclass, field
from datetime import datetime, time

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from appeals import deadlines
from appeals.models import OPEN_STATUSES, WITH_PROVIDER_STATUSES, ShiftReport

_OPEN = [s.value for s in OPEN_STATUSES]
_WITH_PROVIDER = [s.value for s in WITH_PROVIDER_STATUSES]

# Level 2 in one statement: mark and write the history rows together. Reasons in order of weight.
_ESCALATE_SQL = """
WITH due AS MATERIALIZED (  -- evaluated once: the LIMIT holds for the whole statement
    SELECT id FROM appeals_appeal
    WHERE control_level < 2 AND status = ANY(%(open)s)
      AND (deadline < %(now)s OR rejection_count >= 2 OR reopen_count >= 1)
    ORDER BY deadline, id
    LIMIT %(batch)s
    FOR UPDATE SKIP LOCKED  -- a row a person is saving right now waits for the next batch
), upd AS (
    UPDATE appeals_appeal a
    SET control_level = 2, escalated_at = %(now)s, version = a.version + 1, updated_at = %(now)s,
        escalation_reason = CASE WHEN a.deadline < %(now)s THEN 'overdue'
                                 WHEN a.rejection_count >= 2 THEN 'rejected_twice'
                                 ELSE 'reopened' END
    FROM due WHERE a.id = due.id
    RETURNING a.id, a.status, a.escalation_reason
), ev AS (
    INSERT INTO appeals_appealevent (appeal_id, at, actor_id, action, from_status, to_status, note, data)
    SELECT id, %(now)s, NULL, 'escalated', status, status, escalation_reason,
           jsonb_build_object('level', 2, 'reason', escalation_reason)
    FROM upd
    RETURNING 1
)
SELECT escalation_reason, count(*) FROM upd GROUP BY escalation_reason
"""

# Level 1: appeals a provider held during the whole shift without a single report in it.
_UNREPORTED_SQL = """
SELECT id FROM appeals_appeal
WHERE status = ANY(%(with_provider)s) AND created_at < %(start)s
  AND (last_report_at IS NULL OR last_report_at < %(start)s)
ORDER BY id
"""

_MARK_LEVEL1_SQL = """
WITH upd AS (
    UPDATE appeals_appeal SET control_level = 1, version = version + 1, updated_at = %(now)s
    WHERE id = ANY(%(ids)s) AND control_level = 0
    RETURNING id, status
)
INSERT INTO appeals_appealevent (appeal_id, at, actor_id, action, from_status, to_status, note, data)
SELECT id, %(now)s, NULL, 'shift', status, status, %(note)s, jsonb_build_object('level', 1, 'shift_end', %(end)s::text)
FROM upd
"""


def sweep_batch_size() -> int:
    """Rows escalated per transaction (settings.APPEALS_SWEEP_BATCH, default 2000): short transactions
    even when a backlog (a first run after an import) escalates tens of thousands at once."""
    return int(getattr(settings, "APPEALS_SWEEP_BATCH", 2000))


def shift_times() -> tuple[time, ...]:
    """Shift change times from settings.APPEALS_SHIFT_TIMES ("HH:MM", Kyiv); default 08:00 and 20:00."""
    raw = getattr(settings, "APPEALS_SHIFT_TIMES", ("08:00", "20:00"))
    return tuple(time.fromisoformat(t) for t in raw)


@dataclass
class SweepReport:
    escalated: dict[str, int] = field(default_factory=dict)  # reason → count, newly at level 2 now
    shift_report: ShiftReport | None = None  # the report of the shift that just ended, if made by this run
    batches: int = 0
    seconds: float = 0.0

    @property
    def escalated_total(self) -> int:
        return sum(self.escalated.values())


def unreported_in_shift(*, shift_start: datetime, shift_end: datetime) -> list[int]:
    """Ids of appeals held by a provider since before the shift began with no report during it."""
    with connection.cursor() as cur:
        cur.execute(_UNREPORTED_SQL, {"with_provider": _WITH_PROVIDER, "start": shift_start})
        return [row[0] for row in cur.fetchall()]


def record_shift_report(*, shift_start: datetime, shift_end: datetime, now: datetime | None = None) -> ShiftReport:
    """Level-1 control at a shift's end (idempotent per shift): list the unreported appeals, put them on level 1."""
    now = now or timezone.now()
    with transaction.atomic():
        existing = ShiftReport.objects.filter(shift_end=shift_end).first()
        if existing is not None:
            return existing
        ids = unreported_in_shift(shift_start=shift_start, shift_end=shift_end)
        report = ShiftReport.objects.create(shift_start=shift_start, shift_end=shift_end, created_at=now,
                                            appeal_ids=ids, count=len(ids))
        if ids:
            with connection.cursor() as cur:
                cur.execute(_MARK_LEVEL1_SQL, {"ids": ids, "now": now, "end": shift_end.isoformat(),
                                               "note": "немає звіту виконавця за зміну"})
    return report


def run_escalation_sweep(*, now: datetime | None = None, batch_size: int | None = None) -> SweepReport:
    """The periodic control job: level 2 (overdue, rejected twice, reopened → supervisor), set-based,
    in batches of batch_size rows per transaction; then the level-1 report of the shift that has just
    ended, once per shift.
    """
    started = _time.perf_counter()
    now = now or timezone.now()
    batch = batch_size or sweep_batch_size()
    report = SweepReport()
    while True:
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(_ESCALATE_SQL, {"now": now, "open": _OPEN, "batch": batch})
            done = dict(cur.fetchall())
        report.batches += 1
        for reason, count in done.items():
            report.escalated[reason] = report.escalated.get(reason, 0) + count
        if sum(done.values()) < batch:
            break
    start, end = deadlines.shift_bounds(now=now, shift_times=shift_times())
    if not ShiftReport.objects.filter(shift_end=end).exists():
        report.shift_report = record_shift_report(shift_start=start, shift_end=end, now=now)
    report.seconds = _time.perf_counter() - started
    return report
