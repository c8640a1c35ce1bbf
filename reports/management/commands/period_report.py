"""Write a period report (calls and appeals against the same period a year earlier) as XLSX and PDF.

    manage.py period_report --months 6 --year 2026 --out /tmp/zvit      # 01.01–30.06.2026 vs 2025
    manage.py period_report --months 12 --year 2025 --out DIR
    manage.py period_report --from 2026-03-01 --to 2026-05-31 --out DIR
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reports import documents, period, reads, xlsx


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"очікується дата РРРР-ММ-ДД, отримано {text!r}") from exc


class Command(BaseCommand):
    # The system checks load every URL and view (a second of the 07:00 run spent on pages it never serves);
    # the report needs the models, the templates and the database only.
    requires_system_checks = []
    help = "Period report (6/9/12 months of a year, or --from/--to) as XLSX and PDF, year on year."

    def add_arguments(self, parser):
        parser.add_argument("--months", type=int, choices=[6, 9, 12])
        parser.add_argument("--year", type=int)
        parser.add_argument("--from", dest="date_from", type=_date)
        parser.add_argument("--to", dest="date_to", type=_date)
        parser.add_argument("--out", type=Path, required=True, help="directory for the .xlsx and .pdf")

    def handle(self, *args, months, year, date_from, date_to, out, **options):
        try:
            if months is not None:
                if year is None or date_from or date_to:
                    raise CommandError("--months потребує --year (і не поєднується з --from/--to)")
                p = period.months_period(months=months, year=year)
            elif date_from and date_to:
                p = period.Period(start=date_from, end=date_to)
            else:
                raise CommandError("потрібно --months і --year, або --from і --to")
        except period.PeriodError as exc:
            raise CommandError(str(exc)) from exc
        # WeasyPrint and matplotlib are imported, and the outlines read, while the database counts.
        prepared = reads.ahead({"pdf": documents.prepare_period_pdf})
        report = period.period_report(period=p, now=timezone.now())
        out.mkdir(parents=True, exist_ok=True)
        stem = f"zvit-{p.slug}"
        xlsx_path, pdf_path = out / f"{stem}.xlsx", out / f"{stem}.pdf"
        xlsx_path.write_bytes(xlsx.period_xlsx(report))
        pdf_path.write_bytes(documents.period_pdf(report, prepared=prepared.result("pdf")))
        self.stdout.write(str(xlsx_path))
        self.stdout.write(str(pdf_path))
