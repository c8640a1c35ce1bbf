"""Heatmaps with folium, on our own files: no CDN, no online tiles, the registry as the basemap.

folium's Map and HeatMap name CDN URLs in ``default_js``/``default_css``; the subclasses here name
our static vendor files instead (served from var/vendor, npm packages). ``heatmap_html`` renders a
page that loads them from /static/ (for the site), ``standalone_html`` inlines them (a report that
opens anywhere, offline), and ``screenshot_png`` photographs it with headless Chromium.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import folium
from django.conf import settings
from folium.plugins import HeatMap

from layers import selectors as layer_selectors
from webmap import analytics

STATIC = "/static/vendor"
VENDOR_FILES = {
    f"{STATIC}/leaflet/leaflet.js": "leaflet/leaflet.js",
    f"{STATIC}/leaflet/leaflet.css": "leaflet/leaflet.css",
    f"{STATIC}/leaflet-heat/leaflet-heat.js": "leaflet-heat/leaflet-heat.js",
}
CITY_CENTRE_LATLON = (48.73, 37.56)


class OfflineMap(folium.Map):
    """folium.Map with only Leaflet, from our static files (no jQuery, Bootstrap or awesome-markers from a CDN)."""

    default_js = [("leaflet", f"{STATIC}/leaflet/leaflet.js")]
    default_css = [("leaflet_css", f"{STATIC}/leaflet/leaflet.css")]


class OfflineHeatMap(HeatMap):
    """folium's HeatMap on our copy of leaflet.heat."""

    default_js = [("leaflet-heat.js", f"{STATIC}/leaflet-heat/leaflet-heat.js")]


_STYLES = {
    "boundary": {"color": "#1d3557", "weight": 2, "fill": False, "dashArray": "6 4"},
    "neighbourhood": {"color": "#a8b5a2", "weight": 1, "fillColor": "#dfe7d6", "fillOpacity": 0.5},
    "street": {"color": "#ffffff", "weight": 2, "opacity": 0.9},
}


def build_map(*, since: dt.date, until: dt.date, category_codes: list[str], title: str = "") -> folium.Map:
    """A folium map of the period's appeals as a heatmap (weight = appeals per building) on our basemap."""
    fmap = OfflineMap(location=CITY_CENTRE_LATLON, zoom_start=12, tiles=None, control_scale=True,
                      prefer_canvas=True)
    basemap = json.loads(layer_selectors.basemap_geojson())
    layer = folium.GeoJson(
        basemap, name="basemap", interactive=False,
        style_function=lambda f: _STYLES.get(f["properties"]["layer"], {"color": "#999", "weight": 1}),
    ).add_to(fmap)
    if basemap["features"]:
        fmap.fit_bounds(layer.get_bounds())  # the whole city fills the report
    points = analytics.heat_points(since=since, until=until, category_codes=category_codes)
    top = max((p[2] for p in points), default=1)
    OfflineHeatMap([[lat, lon, n / top] for lat, lon, n in points], radius=16, blur=12, min_opacity=0.3,
                   name="heat").add_to(fmap)
    caption = title or f"Звернення {since:%d.%m.%Y}–{until:%d.%m.%Y}"
    fmap.get_root().html.add_child(folium.Element(
        f'<div style="position:fixed;top:8px;left:50px;z-index:1000;background:#fff;padding:4px 8px;'
        f'font:14px sans-serif;border:1px solid #999">{_escape(caption)} · {len(points)} будинків</div>'
        f'<div style="position:fixed;bottom:4px;right:4px;z-index:1000;background:rgba(255,255,255,.8);'
        f'padding:2px 6px;font:11px sans-serif">{_escape(settings.DEMO_ATTRIBUTION)}</div>'))
    return fmap


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def heatmap_html(fmap: folium.Map) -> str:
    """The page, loading Leaflet and leaflet.heat from our /static/."""
    return fmap.get_root().render()


def standalone_html(fmap: folium.Map) -> str:
    """The page with our vendor files inlined: one file that opens offline, anywhere."""
    html = heatmap_html(fmap)
    # Checked before inlining: Leaflet's own code holds a link to leafletjs.com (a link, not a load).
    if re.search(r'(src|href)="https?://', html):
        raise ValueError("the exported map would load something from the internet")
    vendor = Path(settings.VAR_DIR) / "vendor"
    for url, rel in VENDOR_FILES.items():
        text = (vendor / rel).read_text(encoding="utf-8")
        if url.endswith(".js"):
            html = re.sub(rf'<script src="{re.escape(url)}"></script>', lambda _m, t=text: f"<script>{t}</script>", html)
        else:
            html = re.sub(rf'<link rel="stylesheet" href="{re.escape(url)}"/?>', lambda _m, t=text: f"<style>{t}</style>", html)
    return html


def screenshot_png(html: str, out: Path, *, width: int = 1400, height: int = 1000) -> None:
    """Render the standalone page in headless Chromium and save a PNG (no network: everything is inlined)."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise FileNotFoundError("chromium is needed for PNG exports")
    with tempfile.TemporaryDirectory(prefix="ecity-export-") as tmp:
        page = Path(tmp) / "map.html"
        page.write_text(html, encoding="utf-8")
        subprocess.run(
            [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
             "--disable-background-networking", f"--user-data-dir={tmp}/profile", f"--window-size={width},{height}",
             "--virtual-time-budget=4000", f"--screenshot={out.resolve()}", page.as_uri()],
            check=True, capture_output=True, timeout=120,
        )
