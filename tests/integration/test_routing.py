"""Routing on real PostGIS: assignment > covering area > priority; explicit gaps and overlaps."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon

from layers import routing
from layers.models import Category
from tests import factories as f

pytestmark = pytest.mark.django_db

LON0, LAT0 = f.CENTRE


def by_kind(decisions):
    return {d.service_kind: d for d in decisions}


def test_every_service_kind_gets_exactly_one_decision_in_code_order(registry):
    decisions = routing.route_building(building=registry.buildings["parkova:14"])
    kinds = [d.service_kind for d in decisions]
    assert kinds == sorted(kinds)
    assert {"water", "in_house", "power", "heating"} <= set(kinds)


def test_building_assignment_beats_the_housing_office_polygon(registry):
    osbb_house = by_kind(routing.route_building(building=registry.buildings["parkova:12"]))["in_house"]
    neighbour = by_kind(routing.route_building(building=registry.buildings["parkova:14"]))["in_house"]
    assert (osbb_house.outcome, osbb_house.rule, osbb_house.provider) == ("assigned", "assignment", registry.providers["osbb"])
    assert osbb_house.assignment_id is not None and osbb_house.area_id is None
    assert osbb_house.provider.phones == ["+380626000000"]  # a full Provider, JSON fields parsed
    assert (neighbour.rule, neighbour.provider, neighbour.area_id) == ("area", registry.providers["zhek1"], registry.areas["zhek1"].pk)
    assert "ЖЕК-1" in neighbour.reason


def test_a_point_inside_an_assigned_footprint_takes_the_assignment(registry):
    b = registry.buildings["parkova:12"]
    lon, lat = f.offset(b.point.x, b.point.y, dx_m=5, dy_m=-5)
    decision = by_kind(routing.route_point(lon=lon, lat=lat, service_kinds=["in_house"]))["in_house"]
    assert decision.provider == registry.providers["osbb"]


def test_point_on_a_shared_edge_is_covered_by_both_areas_and_is_an_overlap_for_a_human(registry):
    west = f.provider("РЕС Захід", "power_district", service_kinds=("power",))
    east = f.provider("РЕС Схід", "power_district", service_kinds=("power",))
    a_w = f.area(west, f.box(LON0 - 0.01, LAT0 - 0.01, LON0, LAT0 + 0.01), service_kinds=("power",))
    a_e = f.area(east, f.box(LON0, LAT0 - 0.01, LON0 + 0.01, LAT0 + 0.01), service_kinds=("power",))
    decision = by_kind(routing.route_point(lon=LON0, lat=LAT0 + 0.003))["power"]
    assert decision.outcome == "overlap" and decision.provider is None
    assert decision.candidates == (west, east)  # equal priority: ordered by area id
    assert str(a_w.pk) in decision.reason and str(a_e.pk) in decision.reason
    inside_west = by_kind(routing.route_point(lon=LON0 - 0.001, lat=LAT0 + 0.003))["power"]
    assert (inside_west.outcome, inside_west.provider) == ("assigned", west)


def test_overlap_is_decided_by_a_unique_higher_priority(registry):
    city = f.provider("Теплокомуненерго", "heating_network", service_kinds=("heating",))
    local = f.provider("Котельня №5", "heating_network", service_kinds=("heating",))
    f.area(city, f.box(LON0 - 0.02, LAT0 - 0.01, LON0 + 0.02, LAT0 + 0.01), service_kinds=("heating",))
    high = f.area(local, f.square(LON0 - 0.015, LAT0 + 0.004, half_m=300), service_kinds=("heating",), priority=5)
    decision = by_kind(routing.route_building(building=registry.buildings["parkova:12"]))["heating"]
    assert (decision.outcome, decision.rule, decision.provider, decision.area_id) == ("assigned", "priority", local, high.pk)
    assert set(decision.candidates) == {city, local}
    elsewhere = by_kind(routing.route_building(building=registry.buildings["shkilna_e:4"]))["heating"]
    assert (elsewhere.rule, elsewhere.provider) == ("area", city)


def test_point_in_a_hole_of_a_multipolygon_is_a_gap_with_the_surrounding_area_suggested(registry):
    outer = f.square(LON0 + 0.01, LAT0, half_m=400)[0]
    hole = f.square(LON0 + 0.01, LAT0, half_m=60)[0]
    ring_with_hole = MultiPolygon(Polygon(outer.exterior_ring, hole.exterior_ring), srid=4326)
    gas = f.provider("Газмережі", "gas", service_kinds=("gas",))
    f.area(gas, ring_with_hole, service_kinds=("gas",))
    in_hole = by_kind(routing.route_point(lon=LON0 + 0.01, lat=LAT0))["gas"]
    assert (in_hole.outcome, in_hole.rule, in_hole.candidates) == ("gap", "nearest", (gas,))
    on_ring = f.offset(LON0 + 0.01, LAT0, dx_m=200)
    assert by_kind(routing.route_point(lon=on_ring[0], lat=on_ring[1]))["gas"].provider == gas


def test_gap_suggests_the_nearest_area_within_100_m_and_nothing_beyond(registry):
    lift = f.provider("Ліфтсервіс", "lift_service", service_kinds=("lift",))
    f.area(lift, f.square(LON0, LAT0, half_m=200), service_kinds=("lift",))
    near = f.offset(LON0, LAT0, dx_m=270)  # 70 m east of the edge
    far = f.offset(LON0, LAT0, dx_m=320)  # 120 m east of the edge
    near_d = by_kind(routing.route_point(lon=near[0], lat=near[1]))["lift"]
    far_d = by_kind(routing.route_point(lon=far[0], lat=far[1]))["lift"]
    assert (near_d.outcome, near_d.rule, near_d.candidates, near_d.provider) == ("gap", "nearest", (lift,), None)
    assert "70 м" in near_d.reason
    assert (far_d.outcome, far_d.rule, far_d.candidates) == ("gap", "none", ())


def test_an_expired_area_no_longer_routes_but_did_at_an_earlier_date(registry):
    waste = f.provider("Комунсервіс", "waste_operator", service_kinds=("waste",))
    f.area(waste, f.square(LON0, LAT0, half_m=500), service_kinds=("waste",),
           valid_from=dt.date(2020, 1, 1), valid_to=dt.date(2024, 12, 31))
    today = by_kind(routing.route_point(lon=LON0, lat=LAT0, at=dt.date(2025, 1, 1)))["waste"]
    before = by_kind(routing.route_point(lon=LON0, lat=LAT0, at=dt.date(2024, 12, 31)))["waste"]
    not_yet = by_kind(routing.route_point(lon=LON0, lat=LAT0, at=dt.date(2019, 12, 31)))["waste"]
    assert today.outcome == "gap" and not_yet.outcome == "gap"
    assert before.provider == waste


def test_an_expired_assignment_gives_way_to_the_polygon(registry):
    b = registry.buildings["parkova:14"]
    other_osbb = f.provider("ОСББ «Паркова 14»", "condominium", service_kinds=("in_house",))
    a = f.assign(b, other_osbb, service_kinds=("in_house",))
    a.valid_to = dt.date(2024, 1, 1)
    a.save()
    assert by_kind(routing.route_building(building=b, at=dt.date(2023, 6, 1)))["in_house"].provider == other_osbb
    assert by_kind(routing.route_building(building=b, at=dt.date(2025, 6, 1)))["in_house"].provider == registry.providers["zhek1"]


def test_no_hot_water_routes_to_the_heating_network_and_the_buildings_osbb(registry):
    heat = f.provider("Тепломережа", "heating_network", service_kinds=("hot_water", "heating"))
    f.area(heat, f.box(LON0 - 0.02, LAT0 - 0.01, LON0 + 0.02, LAT0 + 0.01), service_kinds=("hot_water", "heating"))
    category = Category.objects.get(code="no_hot_water")
    decisions = routing.route_category(category=category, building=registry.buildings["parkova:12"])
    assert [(d.service_kind, d.provider) for d in decisions] == [("hot_water", heat), ("in_house", registry.providers["osbb"])]


def test_a_street_level_category_routes_a_bare_point_and_a_consultation_routes_nowhere(registry):
    roads = f.provider("Дорожня служба", "city_services", service_kinds=("roads",))
    f.area(roads, f.box(LON0 - 0.02, LAT0 - 0.01, LON0 + 0.02, LAT0 + 0.01), service_kinds=("roads",))
    light = Category.objects.get(code="street_light")
    assert light.street_level
    [decision] = routing.route_category(category=light, lon=LON0 + 0.005, lat=LAT0 - 0.005)
    assert (decision.service_kind, decision.provider) == ("roads", roads)
    assert routing.route_category(category=Category.objects.get(code="consultation"), lon=LON0, lat=LAT0) == []
    with pytest.raises(ValueError):
        routing.route_category(category=light)


def test_two_assignments_of_one_kind_are_an_overlap_not_a_silent_first(registry):
    b = registry.buildings["parkova:12"]
    second = f.provider("ОСББ-2", "condominium", service_kinds=("in_house",))
    f.assign(b, second, service_kinds=("in_house",))
    decision = by_kind(routing.route_building(building=b))["in_house"]
    assert decision.outcome == "overlap" and decision.provider is None
    assert set(decision.candidates) == {registry.providers["osbb"], second}


def test_the_standard_categories_are_seeded_with_kinds_deadlines_and_flags(db):
    cats = {c.code: c for c in Category.objects.prefetch_related("service_kinds")}
    assert {"no_cold_water", "no_hot_water", "no_heating", "no_power", "lift_stuck", "garbage", "flat_leak",
            "roof_leak", "sewage", "street_light", "road_damage", "transport", "gas_smell", "consultation",
            "other"} <= set(cats)
    assert sorted(k.code for k in cats["no_hot_water"].service_kinds.all()) == ["hot_water", "in_house"]
    assert cats["gas_smell"].is_emergency and cats["gas_smell"].deadline_hours <= 2
    assert cats["road_damage"].street_level and not cats["garbage"].street_level
    assert cats["consultation"].is_consultation and not cats["consultation"].service_kinds.exists()


def test_an_edit_of_any_routing_row_is_seen_by_the_very_next_lookup(registry):
    b = registry.buildings["parkova:14"]
    assert by_kind(routing.route_building(building=b))["water"].provider.name == "Водоканал"
    registry.providers["water"].__class__.objects.filter(pk=registry.providers["water"].pk).update(name="Водоканал-2")
    assert by_kind(routing.route_building(building=b))["water"].provider.name == "Водоканал-2"
    registry.areas["water"].service_kinds.set([])
    assert by_kind(routing.route_building(building=b))["water"].outcome == "gap"
    osbb = f.provider("ОСББ «Паркова 14»", "condominium")
    f.assign(b, osbb, service_kinds=("in_house",))
    assert by_kind(routing.route_point(lon=b.point.x, lat=b.point.y))["in_house"].provider == osbb
