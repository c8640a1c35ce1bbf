"""Live outage detection at intake (appeals.outage_services.detect_outage, outages.detection's rule)."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.utils import timezone

from appeals import outage_services, services
from appeals.models import Appeal
from layers.categories import ensure_categories
from outages.models import Outage, OutageStatus
from tests import factories

pytestmark = pytest.mark.django_db

RULE = {"no_cold_water": {"min_buildings": 3, "radius_m": 100, "window_minutes": 30}}


@pytest.fixture
def city(registry):
    ensure_categories()
    registry.dispatcher = factories.staff("disp", "dispatcher")
    return registry


def _file(city, key: str, *, minutes: float = 0.0, category: str = "no_cold_water"):
    at = timezone.now() - timezone.timedelta(hours=2) + timezone.timedelta(minutes=minutes)
    return services.register_intake(dispatcher=city.dispatcher, category=category, phone="0501234567",
                                    building=city.buildings[key], now=at)


@override_settings(OUTAGE_DETECTION=RULE)
def test_detection_fires_at_the_third_distinct_building_and_not_before(city):
    assert _file(city, "parkova:12").detection is None
    assert _file(city, "parkova:12", minutes=1).detection is None  # the same block again: still one building
    assert _file(city, "parkova:12А", minutes=2).detection is None  # two buildings
    assert not Outage.objects.exists()
    third = _file(city, "parkova:14", minutes=3)
    found = third.detection
    assert found is not None and found.created and (found.buildings, found.appeals) == (3, 4)
    outage = Outage.objects.get()
    assert outage.status == OutageStatus.SUSPECTED and outage.detected_category.code == "no_cold_water"
    assert list(outage.service_kinds.values_list("code", flat=True)) == ["water"]
    assert outage.area.covers(city.buildings["parkova:14"].point)
    assert outage.affected_buildings >= 3
    assert Appeal.objects.filter(outage=outage).count() == 4
    # The next call from the cluster grows the same proposal, never a second one.
    fourth = _file(city, "parkova:12А", minutes=4).detection
    assert fourth.outage.pk == outage.pk and not fourth.created
    assert Outage.objects.count() == 1 and Appeal.objects.filter(outage=outage).count() == 5
    # One action confirms it.
    outage_services.confirm_outage(outage=outage, actor=city.dispatcher)
    outage.refresh_from_db()
    assert outage.status == OutageStatus.CONFIRMED


@override_settings(OUTAGE_DETECTION=RULE)
def test_a_building_farther_than_r_does_not_make_the_third(city):
    _file(city, "parkova:12")
    _file(city, "parkova:12А", minutes=1)
    # проспект Миру 5 is some 800 m away: outside the 100 m radius.
    assert _file(city, "myru_prosp:5", minutes=2).detection is None
    assert not Outage.objects.exists()


@override_settings(OUTAGE_DETECTION=RULE)
def test_appeals_farther_apart_than_t_do_not_cluster(city):
    _file(city, "parkova:12")
    _file(city, "parkova:12А", minutes=1)
    # 39 minutes after the second: outside the 30-minute window of both.
    assert _file(city, "parkova:14", minutes=40).detection is None
    assert not Outage.objects.exists()
    # Within 30 minutes of the second (the core of the three), it fires.
    assert _file(city, "parkova:14", minutes=25).detection is not None


@override_settings(OUTAGE_DETECTION=RULE)
def test_categories_are_watched_only_when_listed_and_never_mix(city):
    _file(city, "parkova:12", category="no_power")
    _file(city, "parkova:12А", minutes=1, category="no_power")
    assert _file(city, "parkova:14", minutes=2, category="no_power").detection is None  # no_power not listed
    _file(city, "parkova:12")
    assert _file(city, "parkova:12А", minutes=1).detection is None  # two water buildings, two power ones
    assert not Outage.objects.exists()


@override_settings(OUTAGE_DETECTION=RULE)
def test_an_appeal_inside_a_confirmed_outage_joins_it(city):
    b = city.buildings
    known = outage_services.outage_services.declare_outage(
        service_kinds=["water"], building_ids=[b["parkova:12"].pk, b["parkova:12А"].pk, b["parkova:14"].pk],
        started_at=timezone.now() - timezone.timedelta(hours=3)).outage
    _file(city, "parkova:12")
    _file(city, "parkova:12А", minutes=1)
    third = _file(city, "parkova:14", minutes=2).detection
    assert third.outage.pk == known.pk and not third.created
    assert Outage.objects.count() == 1 and Appeal.objects.filter(outage=known).count() == 3


def test_an_appeal_filed_inside_an_outage_joins_it_only_when_it_is_about_what_is_off(city):
    b = city.buildings
    known = outage_services.outage_services.declare_outage(service_kinds=["water"], building_ids=[b["parkova:14"].pk]).outage
    water = services.register_intake(dispatcher=city.dispatcher, category="no_cold_water", phone="0501234567",
                                     building=b["parkova:14"], outage=known.pk)
    lift_category = factories.category("test_lift_only", service_kinds=("lift",))
    lift = services.register_intake(dispatcher=city.dispatcher, category=lift_category, phone="0501234567",
                                    building=b["parkova:14"], outage=known.pk)
    assert water.appeal.__class__.objects.get(pk=water.appeal.pk).outage_id == known.pk
    assert lift.appeal.__class__.objects.get(pk=lift.appeal.pk).outage_id is None


@override_settings(OUTAGE_DETECTION={"no_cold_water": {"min_buildings": 2, "radius_m": 100, "window_minutes": 30}})
def test_a_growing_suspected_outage_keeps_its_affected_buildings_equal_to_an_independent_count(city):
    from django.db import connection

    from outages.models import OutageBuilding

    _file(city, "parkova:12")
    first = _file(city, "parkova:12А", minutes=1).detection
    assert first is not None and first.created
    grown = _file(city, "parkova:14", minutes=2).detection  # 37 m further east: outside the first hull
    assert grown.outage.pk == first.outage.pk and not grown.created
    outage = Outage.objects.get()
    assert outage.area.covers(city.buildings["parkova:14"].point) and outage.detected_buildings == 3
    with connection.cursor() as cur:  # every building the area meets (a suspected outage names no provider)
        cur.execute("SELECT b.id, coalesce(b.flats, 0), coalesce(b.residents, 0) FROM layers_building b "
                    "JOIN outages_outage o ON ST_Intersects(b.geom, o.area) WHERE o.id = %s", [outage.pk])
        expected = {r[0]: r[1:] for r in cur.fetchall()}
    rows = {r.building_id: (r.flats, r.residents) for r in OutageBuilding.objects.filter(outage=outage)}
    assert rows == expected and len(rows) >= 3
    assert (outage.affected_buildings, outage.affected_flats, outage.affected_residents) == (
        len(expected), sum(f for f, _ in expected.values()), sum(r for _, r in expected.values()))
    assert Appeal.objects.filter(outage=outage).count() == 3
