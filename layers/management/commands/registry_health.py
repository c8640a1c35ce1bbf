"""manage.py registry_health: gaps, overlaps, buildings without ЖЕК/ОСББ, areas covering no building."""

from __future__ import annotations

import datetime as dt
import json

from django.core.management.base import BaseCommand

from layers.health import registry_health


class Command(BaseCommand):
    help = "Report where routing needs a human: gaps, overlaps, buildings without a housing office, empty areas."

    def add_arguments(self, parser):
        parser.add_argument("--at", help="date (YYYY-MM-DD; default today)")
        parser.add_argument("--json", action="store_true", help="print the full report as JSON")
        parser.add_argument("--all-buildings", action="store_true",
                            help="check every building for a ЖЕК/ОСББ, not only apartment blocks")

    def handle(self, *args, **options):
        at = dt.date.fromisoformat(options["at"]) if options["at"] else None
        kinds = ("apartment", "house", "public", "other") if options["all_buildings"] else ("apartment",)
        report = registry_health(at=at, building_kinds=kinds)
        if options["json"]:
            self.stdout.write(json.dumps({
                **report.summary(),
                "gap_buildings": report.gaps,
                "overlaps": [{"service_kind": o.service_kind, "building_id": o.building_id, "area_ids": o.area_ids,
                              "priorities": o.priorities, "decided_by_priority": o.decided_by_priority}
                             for o in report.overlaps],
                "without_housing": report.without_housing,
                "empty_areas": report.empty_areas,
            }, ensure_ascii=False, indent=1))
            return
        s = report.summary()
        self.stdout.write(f"Registry health at {s['at']}")
        self.stdout.write("  gaps (buildings no area of the kind covers, and no assignment):")
        for kind, n in sorted(report.gaps.items()):
            split = ", ".join(f"{k} {v}" for k, v in sorted(report.gap_building_kinds.get(kind, {}).items()))
            self.stdout.write(f"    {kind}: {len(n)} ({split})")
        if not report.gaps:
            self.stdout.write("    none")
        self.stdout.write(f"  kinds with no area at all: {', '.join(report.kinds_without_areas) or 'none'}")
        self.stdout.write(f"  overlaps: {s['overlaps']} (undecided by priority: {s['undecided_overlaps']})")
        self.stdout.write(f"  buildings without ЖЕК or ОСББ: {s['without_housing']}")
        self.stdout.write(f"  areas covering no building: {s['empty_areas']}"
                          + (f" ({', '.join(map(str, report.empty_areas[:20]))})" if report.empty_areas else ""))
