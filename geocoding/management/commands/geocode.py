"""manage.py geocode INPUT.csv OUTPUT.csv: geocode a CSV with an `address` column, row by row.

Streams: one row in, one row out, never the whole file in memory; a progress bar on stderr. Every input
column is kept; the result fields are added (the canonical address as `matched_address`, since `address`
is the input). Repeated addresses are looked up once.
"""

import csv
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from geocoding import services

OUT_FIELDS = ["building_id", "matched_address", "street", "street_type", "housenumber", "neighbourhood", "flat",
              "lon", "lat", "match", "score"]


def _count_rows(path: Path) -> int | None:
    try:
        with path.open("rb") as fh:
            return max(0, sum(1 for _ in fh) - 1)
    except OSError:
        return None


class Command(BaseCommand):
    help = "Geocode the `address` column of a CSV (UTF-8) into a new CSV with the result fields added."

    def add_arguments(self, parser):
        parser.add_argument("input", type=Path)
        parser.add_argument("output", type=Path)
        parser.add_argument("--column", default="address", help="the column holding the address (default: address)")
        parser.add_argument("--delimiter", default=",")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **opts):
        src: Path = opts["input"]
        column = opts["column"]
        if not src.is_file():
            raise CommandError(f"{src}: no such file")
        total = None if opts["no_progress"] else _count_rows(src)
        counts: dict[str, int] = {}
        cache: dict[str, dict] = {}
        with src.open(encoding="utf-8-sig", newline="") as fin, opts["output"].open("w", encoding="utf-8", newline="") as fout:
            reader = csv.DictReader(fin, delimiter=opts["delimiter"])
            if not reader.fieldnames or column not in reader.fieldnames:
                raise CommandError(f"{src}: no column {column!r} (columns: {', '.join(reader.fieldnames or [])})")
            extra = [f for f in OUT_FIELDS if f not in reader.fieldnames]
            writer = csv.DictWriter(fout, fieldnames=list(reader.fieldnames) + extra, delimiter=opts["delimiter"])
            writer.writeheader()
            bar = tqdm(reader, total=total, unit=" addr", file=sys.stderr, disable=opts["no_progress"],
                       desc="geocode")
            for row in bar:
                text = (row.get(column) or "").strip()
                if text not in cache:
                    cache[text] = self._one(text)
                    if len(cache) > 100_000:  # keep memory flat on huge files
                        cache.clear()
                result = cache[text]
                counts[result["match"] or "none"] = counts.get(result["match"] or "none", 0) + 1
                writer.writerow({**row, **{k: v for k, v in result.items() if k in extra}})
        summary = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))
        self.stdout.write(f"{sum(counts.values())} rows → {opts['output']} ({summary})")

    @staticmethod
    def _one(text: str) -> dict:
        empty = dict.fromkeys(OUT_FIELDS, "")
        try:
            results = services.geocode(query=text, limit=1)
        except services.InvalidQuery:
            return empty
        if not results:
            return empty
        r = results[0].as_dict()
        r["matched_address"] = r.pop("address")
        return {k: ("" if r.get(k) is None else r.get(k)) for k in OUT_FIELDS}
