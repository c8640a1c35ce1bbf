"""The clustering grid (webmap.clusters): levels, cell sizes, tile alignment. The clusters themselves come
from SQL and are checked against the raw points in tests/integration/test_clusters.py."""

import pytest

from webmap import clusters as cl


def test_mercator_round_trip_is_exact_to_a_millimetre():
    x, y = cl.lonlat_to_mercator(37.556, 48.738)
    lon, lat = cl.mercator_to_lonlat(x, y)
    assert abs(lon - 37.556) < 1e-8 and abs(lat - 48.738) < 1e-8


def test_display_cells_are_a_quarter_tile_and_align_with_tiles():
    assert cl.cell_size(cl.grid_level_for_zoom(0)) == pytest.approx(2 * cl.MERCATOR_HALF / 4)
    xmin, ymin, xmax, ymax = cl.tile_bounds(12, 2475, 1420)
    size = cl.cell_size(cl.grid_level_for_zoom(12))
    assert (xmax - xmin) / size == pytest.approx(4)
    assert (xmin / size) == pytest.approx(round(xmin / size))


def test_every_zoom_has_a_stored_level_at_least_as_fine():
    for zoom in range(0, cl.CLUSTER_MAX_ZOOM + 1):
        display = cl.grid_level_for_zoom(zoom)
        assert cl.stored_level_for(display) >= display
        assert cl.stored_level_for(display) in cl.STORED_LEVELS
