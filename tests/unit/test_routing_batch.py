"""The in-memory batch router (layers.batch) against a brute-force shapely `covers`, no database."""

from __future__ import annotations

import numpy as np
import shapely

from layers.batch import ASSIGNED, GAP, OVERLAP, BatchArea, BatchAssignment, BatchRouter


def router(areas, assignments=(), kinds=("power", "water"), cell=0.25):
    return BatchRouter(areas=areas, assignments=list(assignments), kinds=list(kinds), cell_deg=(cell, cell))


def area(i, provider, geom, kinds=("power",), priority=0):
    return BatchArea(id=i, provider_id=provider, priority=priority, kinds=kinds, geom=geom)


def test_a_point_on_a_shared_edge_is_covered_by_both_areas():
    r = router([area(1, 10, shapely.box(0, 0, 1, 1)), area(2, 20, shapely.box(1, 0, 2, 1))], cell=0.3)
    result = r.route(np.array([1.0, 0.5, 1.5]), np.array([0.5, 0.5, 0.5]))
    assert result.outcome("power").tolist() == [OVERLAP, ASSIGNED, ASSIGNED]
    assert result.provider("power").tolist() == [0, 10, 20]


def test_a_point_in_a_hole_is_a_gap_and_the_ring_around_it_is_covered():
    ring = shapely.Polygon([(0, 0), (4, 0), (4, 4), (0, 4)], holes=[[(1.5, 1.5), (2.5, 1.5), (2.5, 2.5), (1.5, 2.5)]])
    r = router([area(1, 10, shapely.MultiPolygon([ring, shapely.box(5, 5, 6, 6)]))], cell=0.7)
    result = r.route(np.array([2.0, 1.0, 5.5, 1.5]), np.array([2.0, 1.0, 5.5, 2.0]))
    assert result.outcome("power").tolist() == [GAP, ASSIGNED, ASSIGNED, ASSIGNED]  # the hole's edge is covered


def test_a_unique_higher_priority_decides_and_equal_priorities_stay_an_overlap():
    r = router([area(1, 10, shapely.box(0, 0, 4, 4)), area(2, 20, shapely.box(1, 1, 2, 2), priority=5),
                area(3, 30, shapely.box(3, 3, 5, 5))])
    result = r.route(np.array([1.5, 3.5, 0.5]), np.array([1.5, 3.5, 0.5]))
    provider, outcome, area_id, _rule = result.column("power")
    assert provider.tolist() == [20, 0, 10]
    assert outcome.tolist() == [ASSIGNED, OVERLAP, ASSIGNED]
    assert area_id.tolist() == [2, 0, 1]


def test_each_kind_is_routed_by_its_own_areas_and_points_outside_everything_are_gaps():
    r = router([area(1, 10, shapely.box(0, 0, 2, 2), kinds=("power",)),
                area(2, 20, shapely.box(1, 0, 3, 2), kinds=("water", "power"), priority=1)])
    result = r.route(np.array([0.5, 1.5, 2.5, -50.0]), np.array([1.0, 1.0, 1.0, 1.0]))
    assert result.provider("power").tolist() == [10, 20, 20, 0]
    assert result.provider("water").tolist() == [0, 20, 20, 0]
    assert result.outcome("water").tolist() == [GAP, ASSIGNED, ASSIGNED, GAP]


def test_an_assigned_footprint_beats_the_areas_for_its_kinds_only():
    osbb = BatchAssignment(id=7, provider_id=99, kinds=("water",), footprint=shapely.box(0.4, 0.4, 0.6, 0.6))
    r = router([area(1, 10, shapely.box(0, 0, 2, 2), kinds=("water", "power"))], assignments=[osbb])
    result = r.route(np.array([0.5, 1.5]), np.array([0.5, 1.5]))
    assert result.provider("water").tolist() == [99, 10]
    assert result.provider("power").tolist() == [10, 10]


def test_the_grid_gives_the_same_answer_as_testing_every_polygon():
    rng = np.random.default_rng(7)
    blobs = [shapely.Point(x, y).buffer(r, quad_segs=6)
             for x, y, r in zip(rng.uniform(0, 10, 25), rng.uniform(0, 10, 25), rng.uniform(0.5, 2.5, 25), strict=True)]
    areas = [area(i + 1, 100 + i, g, kinds=("power",) if i % 2 else ("water",), priority=int(i % 3))
             for i, g in enumerate(blobs)]
    x, y = rng.uniform(-1, 11, 20000), rng.uniform(-1, 11, 20000)
    result = router(areas, cell=0.3).route(x, y)
    for kind in ("power", "water"):
        provider, outcome, _a, _r = result.column(kind)
        of_kind = [a for a in areas if kind in a.kinds]
        covers = np.array([shapely.intersects_xy(a.geom, x, y) for a in of_kind])  # (areas, points)
        prio = np.array([a.priority for a in of_kind])[:, None]
        n = covers.sum(axis=0)
        best = np.where(covers, prio, -1)
        top = best.max(axis=0)
        n_top = (best == top).sum(axis=0)
        expected_outcome = np.where(n == 0, GAP, np.where(n_top == 1, ASSIGNED, OVERLAP))
        expected_provider = np.where(expected_outcome == ASSIGNED,
                                     np.array([a.provider_id for a in of_kind])[best.argmax(axis=0)], 0)
        assert (outcome == expected_outcome).all()
        assert (provider == expected_provider).all()


def test_the_sparse_fallback_for_very_large_grids_routes_like_the_dense_matrices():
    r = router([area(1, 10, shapely.box(0, 0, 2, 2)), area(2, 20, shapely.box(2, 0, 4, 2)),
                area(3, 30, shapely.Point(2, 1).buffer(0.7), priority=2)], cell=0.3)
    rng = np.random.default_rng(3)
    x, y = rng.uniform(-1, 5, 5000), rng.uniform(-1, 3, 5000)
    dense = r.route(x, y)
    r.partial_by_area = r.full_by_area = None  # what a registry too big for dense matrices uses
    sparse = r.route(x, y)
    assert (dense.provider("power") == sparse.provider("power")).all()
    assert (dense.outcome("power") == sparse.outcome("power")).all()


def test_kinds_whose_areas_have_the_same_shape_share_their_measured_pairs_but_keep_their_own_areas():
    # One city-wide shape, one row per utility (as the demo city and real registries hold them), near Kramatorsk.
    city = shapely.box(37.50, 48.70, 37.52, 48.72)
    r = router([area(1, 10, city, kinds=("power",)), area(2, 20, city, kinds=("water",)),
                area(3, 30, shapely.box(37.50, 48.70, 37.51, 48.71), kinds=("gas",))],
               kinds=("power", "water", "gas"), cell=0.005)
    assert r.geometry_key("power") == r.geometry_key("water") != r.geometry_key("gas")
    lon = np.array([37.5207, 37.5300, 37.5213])  # ~50 m east of the edge, ~740 m, ~95 m
    lat = np.array([48.71, 48.71, 48.71])
    x, y = r.to_metric(lon, lat)
    pairs = r.near_pairs("power", x, y)
    shared = r.nearest_within("water", lon, lat, pairs=pairs)
    fresh = r.nearest_within("water", lon, lat)
    for got, want in zip(shared, fresh, strict=True):
        np.testing.assert_array_equal(got, want)
    area_id, provider, metres = shared
    assert area_id.tolist() == [2, 0, 2] and provider.tolist() == [20, 0, 20]
    assert 40 < metres[0] < 60 and np.isnan(metres[1]) and 85 < metres[2] < 100
    assert r.nearest_within("power", lon, lat, pairs=pairs)[1].tolist() == [10, 0, 10]
