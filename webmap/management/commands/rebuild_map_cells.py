"""Rebuild the map's pre-aggregated appeal cells from appeals_appeal (after buildings moved, or to repair)."""

from django.core.management.base import BaseCommand
from django.db import transaction

from webmap.cells import rebuild_cells


class Command(BaseCommand):
    help = "Rebuild webmap_appealcell from every appeal (one set-based statement, atomic)."

    def handle(self, *args, **options):
        with transaction.atomic():
            n = rebuild_cells()
        self.stdout.write(self.style.SUCCESS(f"{n} cells rebuilt"))
