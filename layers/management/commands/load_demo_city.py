"""manage.py load_demo_city [--seed N] [--force]: the demo Kramatorsk (real frame, synthetic geometry)."""

from django.core.management.base import BaseCommand, CommandError

from gis.environment import ProductionRefused
from layers.demo.service import DEFAULT_SEED, DemoCityInUse, load_demo_city


class Command(BaseCommand):
    help = ("Завантажити демо-місто: справжня межа громади та реєстр вулиць 2015 року, синтетична геометрія. "
            "Ідемпотентно: повторний запуск нічого не змінює.")

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="зерно генератора (за замовчуванням %(default)s)")
        parser.add_argument("--force", action="store_true", help="видалити рядки source=demo і завантажити заново")

    def handle(self, *args, seed: int, force: bool, verbosity: int, **options):
        try:
            load_demo_city(seed=seed, force=force, stdout=self.stdout if verbosity > 0 else None)
        except (DemoCityInUse, ProductionRefused) as exc:
            raise CommandError(str(exc)) from None
