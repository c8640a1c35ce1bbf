"""Grid clustering (webmap.clusters): golden outputs on small inputs, and the stored-cell fold."""

import random

import pytest

from webmap import clusters as cl

# Three appeals at one building, one at a building 60 m away, one across town (lon, lat, status).
POINTS = [
    (37.5560, 48.7380, "registered"),
    (37.5560, 48.7380, "in_progress"),
    (37.5560, 48.7380, "resolved"),
    (37.5568, 48.7380, "registered"),
    (37.6100, 48.7000, "closed"),
]


def test_city_zoom_groups_near_appeals_into_one_cluster_with_counts_by_status():
    got = [(c.count, c.by_status) for c in cl.cluster_points(POINTS, zoom=12)]
    assert got == [
        (4, {"in_progress": 1, "registered": 2, "resolved": 1}),
        (1, {"closed": 1}),
    ]


def test_street_zoom_splits_the_cluster_into_buildings():
    got = [(c.count, round(c.lon, 4), round(c.lat, 4)) for c in cl.cluster_points(POINTS, zoom=18)]
    assert got == [(3, 37.556, 48.738), (1, 37.5568, 48.738), (1, 37.61, 48.7)]


def test_a_cluster_of_one_sits_exactly_on_its_point():
    (c,) = cl.cluster_points([(37.5, 48.7, "registered")], zoom=10)
    assert (round(c.lon, 9), round(c.lat, 9)) == (37.5, 48.7)


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


def test_folding_stored_cells_gives_the_same_clusters_as_the_raw_points():
    rng = random.Random(6)
    points = [(37.5 + rng.random() * 0.12, 48.68 + rng.random() * 0.1, rng.choice(["registered", "resolved"]))
              for _ in range(500)]
    for zoom in (9, 12, 13, 15):
        display = cl.grid_level_for_zoom(zoom)
        stored = cl.stored_level_for(display)
        cells: dict = {}
        for lon, lat, status in points:
            x, y = cl.lonlat_to_mercator(lon, lat)
            ix, iy = cl.cell_of(x, y, level=stored)
            n, sx, sy = cells.get((ix, iy, status), (0, 0.0, 0.0))
            cells[(ix, iy, status)] = (n + 1, sx + x, sy + y)
        folded = cl.fold_cells([(ix, iy, n, sx, sy, st) for (ix, iy, st), (n, sx, sy) in cells.items()],
                               from_level=stored, to_level=display)
        direct = cl.cluster_points(points, zoom=zoom)
        assert [(c.cell, c.count, c.by_status) for c in folded] == [(c.cell, c.count, c.by_status) for c in direct]
        assert all(abs(a.lon - b.lon) < 1e-9 and abs(a.lat - b.lat) < 1e-9 for a, b in zip(folded, direct, strict=True))


def test_folding_into_a_finer_level_is_refused():
    with pytest.raises(ValueError):
        cl.fold_cells([], from_level=12, to_level=14)
