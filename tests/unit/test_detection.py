"""The incident rule (outages.detection): distinct buildings within R metres and T hours, per category."""

from shapely import wkt

from outages.detection import AppealPoint, find_incidents


def _line(category, start_id, *, x0, y0, t0, n=4, step_m=60.0, step_h=1.0):
    return [AppealPoint(start_id + i, category, x0 + i * step_m, y0, t0 + i * step_h) for i in range(n)]


def test_close_appeals_of_one_category_form_one_incident_with_extent_and_count():
    pts = _line("no_water", 1, x0=400000, y0=5400000, t0=0)
    (incident,) = find_incidents(pts, eps_m=100, window_hours=6, min_buildings=3)
    assert (incident.category, incident.count, incident.appeal_ids) == ("no_water", 4, [1, 2, 3, 4])
    assert (incident.start_t, incident.end_t) == (0, 3)
    extent = wkt.loads(incident.extent_wkt)
    assert all(extent.covers(wkt.loads(f"POINT ({p.x} {p.y})")) for p in pts)


def test_the_same_place_a_week_later_is_a_second_incident_not_one_blob():
    pts = _line("no_water", 1, x0=400000, y0=5400000, t0=0) + _line("no_water", 11, x0=400000, y0=5400000, t0=24 * 7)
    got = [(i.count, i.appeal_ids) for i in find_incidents(pts, eps_m=100, window_hours=6, min_buildings=3)]
    assert got == [(4, [1, 2, 3, 4]), (4, [11, 12, 13, 14])]


def test_categories_never_merge_even_at_one_building():
    pts = [AppealPoint(i, "no_water" if i % 2 else "no_power", 400000, 5400000, i * 0.1) for i in range(6)]
    got = sorted((i.category, i.appeal_ids) for i in find_incidents(pts, eps_m=50, window_hours=6, min_buildings=3))
    assert got == [("no_power", [0, 2, 4]), ("no_water", [1, 3, 5])]


def test_a_chain_across_the_city_over_a_month_does_not_become_one_incident():
    # One appeal every 100 m and every 12 h: each is within eps of the next, but the time window cuts the chain.
    pts = [AppealPoint(i, "no_heating", 400000 + i * 100, 5400000, i * 12.0) for i in range(60)]
    assert find_incidents(pts, eps_m=150, window_hours=6, min_buildings=3) == []


def test_scattered_appeals_are_noise():
    pts = [AppealPoint(i, "no_power", 400000 + i * 1000, 5400000, 0) for i in range(10)]
    assert find_incidents(pts, eps_m=250, window_hours=24, min_buildings=3) == []


def test_many_appeals_from_one_building_are_a_repeat_address_not_an_incident():
    one_block = [AppealPoint(i, "no_water", 400000, 5400000, i * 0.1, building_id=7) for i in range(10)]
    assert find_incidents(one_block, eps_m=250, window_hours=6, min_buildings=3) == []
    two_blocks = one_block + [AppealPoint(20, "no_water", 400050, 5400000, 0.5, building_id=8)]
    assert find_incidents(two_blocks, eps_m=250, window_hours=6, min_buildings=3) == []
    three = two_blocks + [AppealPoint(21, "no_water", 400100, 5400000, 0.6, building_id=9)]
    (incident,) = find_incidents(three, eps_m=250, window_hours=6, min_buildings=3)
    assert (incident.count, incident.buildings) == (12, 3)
