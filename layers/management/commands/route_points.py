"""manage.py route_points INPUT.csv OUTPUT.csv: lon,lat rows → a provider per service kind, with outcomes.

Output columns: lon, lat, then for every service kind <kind>_provider (id, empty when none),
<kind>_outcome (assigned | gap | overlap) and <kind>_area (the deciding area id, empty otherwise);
for a gap, <kind>_suggested_provider, <kind>_suggested_area and <kind>_suggested_m name the nearest
area of that kind within 100 m (measured in metres, EPSG:32637), for a human to confirm.
Rows whose lon/lat cannot be read are kept, with outcome "invalid" in every kind.
"""

from __future__ import annotations

import csv
import datetime as dt
import time

import numpy as np
from django.core.management.base import BaseCommand, CommandError

from layers.batch import OUTCOMES, load_router


class Command(BaseCommand):
    help = "Route lon,lat points from a CSV file to providers per service kind (batch, in memory)."

    def add_arguments(self, parser):
        parser.add_argument("input", help="CSV with columns lon and lat (EPSG:4326)")
        parser.add_argument("output", help="CSV to write")
        parser.add_argument("--at", help="date the areas must be valid at (YYYY-MM-DD; default today)")
        parser.add_argument("--cell-m", type=float, default=50.0, help="grid cell size in metres")

    def handle(self, *args, **options):
        at = dt.date.fromisoformat(options["at"]) if options["at"] else None
        started = time.perf_counter()
        with open(options["input"], newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            if not reader.fieldnames or not {"lon", "lat"} <= set(reader.fieldnames):
                raise CommandError("the input needs columns 'lon' and 'lat' (EPSG:4326)")
            raw = [(row["lon"], row["lat"]) for row in reader]
        lon = np.full(len(raw), np.nan)
        lat = np.full(len(raw), np.nan)
        for i, (x, y) in enumerate(raw):
            try:
                lon[i], lat[i] = float(x), float(y)
            except (TypeError, ValueError):
                continue
        valid = np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180) & (np.abs(lat) <= 90)
        router = load_router(at=at, cell_m=options["cell_m"])
        result = router.route(np.where(valid, lon, 0.0), np.where(valid, lat, 0.0))
        columns = {kind: result.column(kind) for kind in result.kinds}
        suggestions = {}
        for kind in result.kinds:
            gaps = np.flatnonzero(valid & (columns[kind][1] == OUTCOMES.index("gap")))
            area, provider, metres = router.nearest_within(kind, lon[gaps], lat[gaps])
            suggestions[kind] = {int(i): (int(p), int(a), float(m)) for i, p, a, m in zip(gaps, provider, area, metres,
                                                                                             strict=True) if a}
        with open(options["output"], "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            header = ["lon", "lat"]
            for kind in result.kinds:
                header += [f"{kind}_provider", f"{kind}_outcome", f"{kind}_area",
                           f"{kind}_suggested_provider", f"{kind}_suggested_area", f"{kind}_suggested_m"]
            writer.writerow(header)
            for i, (x, y) in enumerate(raw):
                row: list[object] = [x, y]
                for kind in result.kinds:
                    provider, outcome, area, _rule = columns[kind]
                    if not valid[i]:
                        row += ["", "invalid", "", "", "", ""]
                        continue
                    row += [int(provider[i]) or "", OUTCOMES[int(outcome[i])], int(area[i]) or ""]
                    hint = suggestions[kind].get(i)
                    row += [hint[0], hint[1], f"{hint[2]:.1f}"] if hint else ["", "", ""]
                writer.writerow(row)
        counts = {name: 0 for name in OUTCOMES}
        for kind in result.kinds:
            outcome = columns[kind][1][valid]
            for code, name in enumerate(OUTCOMES):
                counts[name] += int((outcome == code).sum())
        self.stdout.write(
            f"routed {int(valid.sum())} points ({len(raw) - int(valid.sum())} invalid) over {len(result.kinds)} "
            f"service kinds in {time.perf_counter() - started:.1f} s; decisions: "
            + ", ".join(f"{k} {v}" for k, v in counts.items())
        )
