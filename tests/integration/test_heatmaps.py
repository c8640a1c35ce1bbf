"""The static heatmap export (webmap.heatmaps, manage.py export_heatmap): folium on our own files, HTML and PNG."""

import re
import shutil

import pytest
from django.core.management import call_command

from tests.integration.map_data import PERSONAL_MARKERS, appeal
from webmap import heatmaps

pytestmark = pytest.mark.django_db


@pytest.fixture
def appeals(registry):
    for i, key in enumerate(["parkova:12", "parkova:12", "parkova:14", "druzhby:3"]):
        appeal(f"26-50000{i}", building=registry.buildings[key], category="no_heating", age_days=1 + i)
    return registry


def test_folium_is_pointed_at_our_static_files_not_a_cdn(appeals):
    import datetime as dt

    today = dt.date.today()
    html = heatmaps.heatmap_html(heatmaps.build_map(since=today - dt.timedelta(days=10), until=today, category_codes=[]))
    assert '<script src="/static/vendor/leaflet/leaflet.js"></script>' in html
    assert '/static/vendor/leaflet-heat/leaflet-heat.js' in html
    assert not re.search(r'(src|href)="https?://', html)


def test_export_writes_a_self_contained_html_and_a_png(appeals, tmp_path):
    out = tmp_path / "heat.html"
    png = tmp_path / "heat.png"
    has_chromium = shutil.which("chromium") is not None
    call_command("export_heatmap", "--days", "10", "--category", "no_heating", "--out", str(out),
                 *(["--png", str(png)] if has_chromium else []), stdout=open("/dev/null", "w"))
    html = out.read_text(encoding="utf-8")
    assert "L.heatLayer" in html and "/static/" not in html  # everything inlined: opens offline
    assert not re.search(r'<(script|link)[^>]+(src|href)="https?://', html)
    assert "синтетична" in html
    assert not any(m in html for m in PERSONAL_MARKERS)
    if has_chromium:
        data = png.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
