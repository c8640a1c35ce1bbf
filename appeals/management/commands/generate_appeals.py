"""Generate a plausible history of calls and appeals on the registry (appeals.demo.history does the work).

    manage.py generate_appeals                      # three years, ~30k calls a year (what `make demo` loads)
    manage.py generate_appeals --count 1000000      # exactly a million appeals, for the benchmarks
    manage.py generate_appeals --replace --seed 7   # empty the appeal tables and generate again

Deterministic: the same seed, registry and --until give the same history. A second run does nothing
while a generated history is there (so `make demo` can call it every time).
"""

from __future__ import annotations

from datetime import datetime, time

from django.core.management.base import BaseCommand, CommandError

from appeals.demo import history
from gis.environment import ProductionRefused, refuse_in_production


def _until(text: str) -> datetime:
    try:
        if "T" in text or " " in text:
            value = datetime.fromisoformat(text)
        else:
            value = datetime.combine(datetime.fromisoformat(text).date(), time(0))
    except ValueError as exc:
        raise CommandError(f"--until: not an ISO date or date-time: {text!r}") from exc
    return value if value.tzinfo else value.replace(tzinfo=history.KYIV)


class Command(BaseCommand):
    help = "Generate a deterministic history of calls and appeals (seasons, failures, repeats, overdue)."

    def add_arguments(self, parser):
        parser.add_argument("--years", type=float, default=3.0, help="how many years back from --until (default 3)")
        parser.add_argument("--calls-per-year", type=float, default=history.DEFAULT_CALLS_PER_YEAR,
                            help="calls a year, consultations included (default 30000)")
        parser.add_argument("--count", type=int, default=None, help="exactly this many appeals (rates scale up)")
        parser.add_argument("--seed", type=int, default=history.DEFAULT_SEED)
        parser.add_argument("--until", type=_until, default=None,
                            help="end of the history, Kyiv time (default: the current hour)")
        parser.add_argument("--replace", action="store_true", help="empty every appeal table first")
        parser.add_argument("--source", default=None, help='only buildings of this source (e.g. "demo")')

    def handle(self, *args, years, calls_per_year, count, seed, until, replace, source, **options):
        if years <= 0:
            raise CommandError("--years must be positive")
        if count is not None and count <= 0:
            raise CommandError("--count must be positive")
        verbose = options["verbosity"] > 1
        try:
            refuse_in_production("generate_appeals")
        except ProductionRefused as exc:
            raise CommandError(str(exc)) from None
        result = history.generate_history(
            seed=seed, years=years, calls_per_year=calls_per_year, count=count, now=until, replace=replace,
            source=source,
            log=(lambda msg: self.stdout.write(msg)) if verbose else None,
        )
        if options["verbosity"] == 0:
            return
        if result.skipped:
            self.stdout.write(f"A generated history is already there ({result.existing} appeals in all); "
                              f"nothing written (--replace to generate again).")
            return
        c = result.counters
        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(c.by_outcome.items()))
        self.stdout.write(self.style.SUCCESS(
            f"{c.appeals} appeals, {c.calls} calls ({outcomes}), {c.routes} routes, {c.history} history events, "
            f"{c.bursts} failures, in {result.seconds:.1f} s"))
        if result.dropped_categories:
            self.stdout.write("Categories with no building where every service kind is routed (no appeals): "
                              + ", ".join(result.dropped_categories))
