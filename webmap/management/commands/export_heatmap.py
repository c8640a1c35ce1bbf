"""Write the heatmap of a period as a self-contained HTML file and/or a PNG (for reports).

    manage.py export_heatmap --since 2026-01-01 --until 2026-01-31 --category no_heating --out var/exports/heat.html
    manage.py export_heatmap --days 7 --out var/exports/week.png          # PNG via headless Chromium
    manage.py export_heatmap --days 30 --out heat.html --png heat.png      # both
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from webmap import heatmaps


class Command(BaseCommand):
    help = "Export the appeals heatmap of a period (HTML with everything inlined, PNG via headless Chromium)."

    def add_arguments(self, parser):
        parser.add_argument("--since", type=dt.date.fromisoformat, help="first day, YYYY-MM-DD (Kyiv)")
        parser.add_argument("--until", type=dt.date.fromisoformat, help="last day, YYYY-MM-DD (default today)")
        parser.add_argument("--days", type=int, default=30, help="the last N days when --since is not given")
        parser.add_argument("--category", action="append", default=[], help="category code (repeatable); default all")
        parser.add_argument("--out", type=Path, required=True, help="file to write: .html or .png")
        parser.add_argument("--png", type=Path, help="also write a PNG here")
        parser.add_argument("--title", default="")

    def handle(self, *args, since, until, days, category, out, png, title, **options):
        until = until or timezone.localdate()
        since = since or until - dt.timedelta(days=max(days, 1) - 1)
        if since > until:
            raise CommandError("--since is after --until")
        fmap = heatmaps.build_map(since=since, until=until, category_codes=category, title=title)
        html = heatmaps.standalone_html(fmap)
        targets = [out] + ([png] if png else [])
        for target in targets:
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.suffix.lower() == ".png":
                try:
                    heatmaps.screenshot_png(html, target)
                except FileNotFoundError as exc:
                    raise CommandError(str(exc)) from exc
            elif target.suffix.lower() in (".html", ".htm"):
                target.write_text(html, encoding="utf-8")
            else:
                raise CommandError(f"{target}: write .html or .png")
            self.stdout.write(self.style.SUCCESS(f"{target} ({target.stat().st_size} bytes, {since}..{until})"))
