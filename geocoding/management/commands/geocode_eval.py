"""manage.py geocode_eval: the quality figures of the geocoder over the labelled evaluation set.

The set is generated deterministically from the registry (run it on the demo city) plus the hand-written
cases in tests/fixtures/geocoding/handwritten.csv. --write dumps the generated cases to a CSV.
"""

from pathlib import Path

from django.core.management.base import BaseCommand

from geocoding import evaluation


class Command(BaseCommand):
    help = "Print the geocoder's quality figures on the labelled evaluation set (run on the demo city)."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=evaluation.SEED)
        parser.add_argument("--sample", type=int, default=260, help="how many streets the generated set samples")
        parser.add_argument("--failures", type=int, default=20, help="how many failed queries to list")
        parser.add_argument("--write", type=Path, help="also write the generated cases to this CSV")
        parser.add_argument("--no-handwritten", action="store_true")

    def handle(self, *args, **opts):
        cases = evaluation.generate_cases(seed=opts["seed"], sample=opts["sample"])
        if opts["write"]:
            evaluation.write_cases(cases, opts["write"])
        if not opts["no_handwritten"]:
            cases += evaluation.load_handwritten()
        if not cases:
            self.stderr.write("The registry is empty: load the demo city first (manage.py load_demo_city).")
            return
        figures = evaluation.evaluate(cases)
        for line in figures.lines():
            self.stdout.write(line)
        for o in figures.failures[: opts["failures"]]:
            want = f"{o.case.street_type} {o.case.street}, {o.case.house_key} [{o.case.neighbourhood}]"
            if o.case.expect != "building":
                want = o.case.expect
            flag = "  WRONG (exact/alias)" if o.wrong_confident else ""
            self.stdout.write(f"  ✗ {o.case.category}: {o.case.query!r} → {o.got}; expected {want}{flag}")
