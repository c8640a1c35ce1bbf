"""manage.py geocode_eval: the quality figures of the geocoder over the labelled evaluation sets.

Three sets, reported apart: generated deterministically from the registry (run it on the demo city), the
hand-written cases in tests/fixtures/geocoding/handwritten.csv, and the real-world-style hand-written queries
in tests/fixtures/geocoding/realworld.csv (no code generated them). --write dumps the generated cases to a CSV.
"""

from pathlib import Path

from django.core.management.base import BaseCommand

from geocoding import evaluation


class Command(BaseCommand):
    help = "Print the geocoder's quality figures on the labelled evaluation sets (run on the demo city)."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=evaluation.SEED)
        parser.add_argument("--sample", type=int, default=260, help="how many streets the generated set samples")
        parser.add_argument("--failures", type=int, default=20, help="how many failed queries to list per set")
        parser.add_argument("--write", type=Path, help="also write the generated cases to this CSV")
        parser.add_argument("--no-handwritten", action="store_true")
        parser.add_argument("--categories", action="store_true", help="list the figures of every category")

    def handle(self, *args, **opts):
        generated = evaluation.generate_cases(seed=opts["seed"], sample=opts["sample"])
        if opts["write"]:
            evaluation.write_cases(generated, opts["write"])
        if not generated:
            self.stderr.write("The registry is empty: load the demo city first (manage.py load_demo_city).")
            return
        sets = [("generated + hand-written (handwritten.csv)",
                 generated + ([] if opts["no_handwritten"] else evaluation.load_handwritten()))]
        if not opts["no_handwritten"]:
            sets.append(("real-world-style, hand-written (realworld.csv)", evaluation.load_realworld()))
        for title, cases in sets:
            figures = evaluation.evaluate(cases)
            self.stdout.write(f"== {title}")
            lines = figures.lines()
            for line in lines if opts["categories"] else [ln for ln in lines if not ln.startswith("  ")]:
                self.stdout.write(line)
            for o in figures.failures[: opts["failures"]]:
                want = f"{o.case.street_type} {o.case.street}, {o.case.house_key} [{o.case.neighbourhood}]"
                if o.case.expect != "building":
                    want = o.case.expect
                flag = "  WRONG (confident)" if o.wrong_confident else ""
                self.stdout.write(f"  ✗ {o.case.category}: {o.case.query!r} → {o.got}; expected {want}{flag}")
