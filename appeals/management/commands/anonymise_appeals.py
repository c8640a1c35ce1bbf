"""manage.py anonymise_appeals [--years N] [--dry-run]: erase the personal data of long-closed appeals.

The nightly Celery task does the same (appeals.retention.anonymise); this is for a first run or a check.
"""

from django.core.management.base import BaseCommand, CommandError

from appeals import retention


class Command(BaseCommand):
    help = ("Знеособити звернення, закриті понад APPEALS_PERSONAL_DATA_YEARS років тому "
            "(ім'я, телефон, e-mail, квартира, вільний текст; лічильники, категорії й геометрія лишаються).")

    def add_arguments(self, parser):
        parser.add_argument("--years", type=float, default=None, help="замість APPEALS_PERSONAL_DATA_YEARS")
        parser.add_argument("--dry-run", action="store_true", help="лише порахувати")

    def handle(self, *args, years, dry_run, **options):
        if years is not None and years < 1:
            raise CommandError("--years: щонайменше 1 рік")
        before = retention.cutoff(keep_years=years)
        report = retention.anonymise(before=before, dry_run=dry_run)
        verb = "would be anonymised" if dry_run else "anonymised"
        self.stdout.write(f"{report.appeals} appeals closed before {before:%Y-%m-%d} {verb}; rows: {report.rows or '—'}")
