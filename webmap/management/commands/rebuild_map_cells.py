"""Rebuild the map's pre-aggregated appeal cells from appeals_appeal (after buildings moved, after a change of
PUBLIC_EXACT_MIN_FLATS, or to repair)."""

from django.core.management.base import BaseCommand

from webmap.cells import install_public_precision


class Command(BaseCommand):
    help = "Rebuild webmap_appealcell from every appeal (one set-based statement, atomic)."

    def handle(self, *args, **options):
        # The triggers' functions too: they carry the public precision (PUBLIC_EXACT_MIN_FLATS) they were built with.
        n = install_public_precision()
        self.stdout.write(self.style.SUCCESS(f"{n} cells rebuilt"))
