"""Write the 07:00 summary of one morning as HTML and PDF (archived too, so /reports/daily/ shows it).

    manage.py daily_summary --date 2026-12-03 --out /tmp/zvedennia   # 07:00 02.12 → 07:00 03.12, Kyiv time
    manage.py daily_summary --date 2026-12-03 --out DIR --regenerate # make it again from today's data
    manage.py daily_summary --date 2026-12-03 --out DIR --send       # and queue the e-mail (once per recipient)
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reports import services


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"--date: очікується дата РРРР-ММ-ДД, отримано {text!r}") from exc


class Command(BaseCommand):
    # The system checks load every URL and view (a second of the 07:00 run spent on pages it never serves);
    # the report needs the models, the templates and the database only.
    requires_system_checks = []
    help = "The 07:00 summary for one morning (07:00 the day before → 07:00 that day, Kyiv) as HTML and PDF."

    def add_arguments(self, parser):
        parser.add_argument("--date", type=_date, required=True, help="the morning, YYYY-MM-DD")
        parser.add_argument("--out", type=Path, required=True, help="directory for the .html and .pdf")
        parser.add_argument("--regenerate", action="store_true", help="make it again even if archived")
        parser.add_argument("--send", action="store_true", help="also queue the e-mail to the recipients")

    def handle(self, *args, date, out, regenerate, send, **options):
        summary = services.build_daily_summary(day=date, regenerate=regenerate)
        paths = services.write_daily_files(summary=summary, out_dir=out)
        for p in paths:
            self.stdout.write(str(p))
        if send:
            result = services.send_daily_summary(day=date)
            self.stdout.write(f"queued: {len(result.queued)}, already queued before: {len(result.already)}")
