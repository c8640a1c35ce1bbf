"""The map's clusters as production computes them (cells kept by triggers, folded in SQL by
webmap.selectors.clusters) against an independent computation from the raw points in Python: pyproj for
the projections, numpy for the grid, a dict for the grouping.

The appeals are road pins, so their public position is the pin snapped to appeals.precision.PIN_GRID_M
metres in EPSG:32637; the test snaps them itself (round half to even, as PostGIS's ST_SnapToGrid does).
"""

import random

import numpy as np
import pytest
from pyproj import Transformer

from appeals.precision import PIN_GRID_M
from gis.srid import METRIC_SRID
from tests.integration.map_data import appeal
from webmap import clusters as cl
from webmap import selectors

pytestmark = pytest.mark.django_db

STATUSES = ("registered", "in_progress", "resolved", "closed", "reopened")
_TOWN_BOX = dict(zip(("xmin", "ymin", "xmax", "ymax"), (*cl.lonlat_to_mercator(37.3, 48.5), *cl.lonlat_to_mercator(37.8, 48.9)),
                     strict=True))


@pytest.fixture
def scattered(registry):
    """300 road pins over the town with random statuses and ages inside the public window."""
    rng = random.Random(6)
    points = []
    for i in range(300):
        lon, lat, status = 37.50 + rng.random() * 0.12, 48.68 + rng.random() * 0.1, rng.choice(STATUSES)
        appeal(f"26-3{i:05d}", lon=lon, lat=lat, category="road_damage", status=status, age_days=rng.random() * 20)
        points.append((lon, lat, status))
    return points


def _expected(points, *, zoom: int, statuses: tuple[str, ...] = ()) -> list[tuple]:
    """(cell, count, by_status, x, y) per display cell, sorted by cell, straight from the points."""
    lon = np.array([p[0] for p in points])
    lat = np.array([p[1] for p in points])
    to_metric = Transformer.from_crs(4326, METRIC_SRID, always_xy=True)
    from_metric = Transformer.from_crs(METRIC_SRID, 4326, always_xy=True)
    to_mercator = Transformer.from_crs(4326, 3857, always_xy=True)
    mx, my = to_metric.transform(lon, lat)
    slon, slat = from_metric.transform(np.round(mx / PIN_GRID_M) * PIN_GRID_M, np.round(my / PIN_GRID_M) * PIN_GRID_M)
    x, y = to_mercator.transform(slon, slat)
    size = 2 * 20037508.342789244 / 2**zoom / 4  # a display cell is a quarter of a tile of the zoom
    groups: dict = {}
    for xi, yi, (_, _, status) in zip(x, y, points, strict=True):
        if statuses and status not in statuses:
            continue
        g = groups.setdefault((int(np.floor(xi / size)), int(np.floor(yi / size))), [0, 0.0, 0.0, {}])
        g[0] += 1
        g[1] += xi
        g[2] += yi
        g[3][status] = g[3].get(status, 0) + 1
    return [(cell, n, dict(sorted(by.items())), sx / n, sy / n) for cell, (n, sx, sy, by) in sorted(groups.items())]


@pytest.mark.parametrize("zoom", [8, 9, 12, 13, 15, 16])
def test_clusters_equal_the_raw_points_grouped_into_the_display_grid(scattered, zoom):
    box = _TOWN_BOX
    got = selectors.clusters(selectors.public_filter(), zoom=zoom, **box)
    expected = _expected(scattered, zoom=zoom)
    assert [(c["cell"], c["count"], dict(sorted(c["by_status"].items()))) for c in got] == [e[:3] for e in expected]
    # The centre is the mean of the members' public positions (in mercator metres, as the map draws it).
    assert all(abs(c["x"] - e[3]) < 1e-3 and abs(c["y"] - e[4]) < 1e-3 for c, e in zip(got, expected, strict=True))
    assert sum(c["count"] for c in got) == len(scattered)


def test_a_status_filter_counts_only_those_statuses_and_drops_cells_left_empty(scattered):
    box = _TOWN_BOX
    chosen = ("resolved", "closed")
    got = selectors.clusters(selectors.public_filter(statuses=list(chosen)), zoom=13, **box)
    expected = _expected(scattered, zoom=13, statuses=chosen)
    assert [(c["cell"], c["count"], dict(sorted(c["by_status"].items()))) for c in got] == [e[:3] for e in expected]


def test_a_cluster_of_one_sits_exactly_on_its_public_position(registry):
    appeal("26-399999", lon=37.5412, lat=48.7345, category="road_damage")
    x, y = cl.lonlat_to_mercator(37.5412, 48.7345)
    (c,) = selectors.clusters(selectors.public_filter(), zoom=16, xmin=x - 500, ymin=y - 500, xmax=x + 500, ymax=y + 500)
    ((_, n, _, ex, ey),) = _expected([(37.5412, 48.7345, "registered")], zoom=16)
    assert n == c["count"] == 1 and abs(c["x"] - ex) < 1e-6 and abs(c["y"] - ey) < 1e-6
