"""Incidents, heatmaps, choropleths and repeat addresses from real appeals (webmap.analytics, /api/v1/analytics/...)."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from appeals import workflow
from tests.integration.map_data import PERSONAL_MARKERS, appeal
from webmap import analytics

pytestmark = pytest.mark.django_db


@pytest.fixture
def outage(registry):
    """No water at three neighbouring Паркова buildings within hours, and the same street again a week later;
    no power at Паркова 12 in the same hours; one lone no-water appeal across town."""
    b = registry.buildings
    for i, key in enumerate(["parkova:12", "parkova:12А", "parkova:14", "parkova:12"]):
        appeal(f"26-20000{i}", building=b[key], age_days=2 + i * 0.05)
    for i, key in enumerate(["parkova:12", "parkova:14", "parkova:12А"]):
        appeal(f"26-20001{i}", building=b[key], age_days=9 + i * 0.05)
    for i in range(3):
        appeal(f"26-20002{i}", building=b["parkova:12"], category="no_power", age_days=2 + i * 0.02)
    appeal("26-200030", building=b["shkilna_e:4"], age_days=2)
    return registry


def _period():
    today = timezone.localdate()
    return today - dt.timedelta(days=29), today


def test_incidents_are_per_category_and_split_in_time(outage):
    since, until = _period()
    fc = analytics.find_incidents(since=since, until=until, category_codes=[], eps_m=250, window_hours=24, min_buildings=3)
    got = sorted((f["properties"]["category"], f["properties"]["count"]) for f in fc["features"])
    # Three no-power appeals from Паркова 12 alone are a repeat address, not an incident (one building).
    assert got == [("no_cold_water", 3), ("no_cold_water", 4)]
    assert sorted(f["properties"]["buildings"] for f in fc["features"]) == [3, 3]
    assert fc["appeals"] == 11
    assert all(f["geometry"]["type"] == "Polygon" for f in fc["features"])


def test_one_category_filter_limits_the_incidents(outage):
    since, until = _period()
    fc = analytics.find_incidents(since=since, until=until, category_codes=["no_cold_water"])
    assert [f["properties"]["count"] for f in fc["features"]] == [4, 3]
    assert analytics.find_incidents(since=since, until=until, category_codes=["no_power"])["features"] == []


def test_heat_frames_by_day_weigh_buildings_by_count(outage):
    since, until = _period()
    frames = analytics.heat_frames(since=since, until=until, category_codes=["no_power"], step="day")
    assert 1 <= len(frames) <= 2  # three appeals within an hour may straddle a Kyiv midnight
    assert sum(p[2] for f in frames for p in f["points"]) == 3
    (lat, lon, weight), = analytics.heat_points(since=since, until=until, category_codes=["no_power"])
    assert weight == 3
    assert (round(lon, 6), round(lat, 6)) == tuple(round(c, 6) for c in outage.buildings["parkova:12"].point.coords)


def test_choropleth_counts_appeals_per_neighbourhood(outage):
    since, until = _period()
    fc = analytics.choropleth(by="neighbourhood", since=since, until=until, category_codes=[])
    counts = {f["properties"]["name"]: f["properties"]["count"] for f in fc["features"]}
    assert counts == {"Соцмісто": 10, "Семенівка": 1}


def test_choropleth_by_service_area(outage):
    since, until = _period()
    fc = analytics.choropleth(by="service_area", since=since, until=until, category_codes=["no_cold_water"])
    counts = {f["properties"]["name"]: f["properties"]["count"] for f in fc["features"]}
    assert counts == {"ЖЕК-1 — ЖЕК-1": 7, "Водоканал: місто — Водоканал": 8}


def test_repeat_addresses_list_the_buildings_called_about_most(outage):
    since, until = _period()
    rows = analytics.repeat_addresses(since=since, until=until, category_codes=[], min_appeals=3)
    assert [(r["address"], r["count"], r["categories_count"]) for r in rows] == [("вулиця Паркова, 12", 6, 2)]


def test_the_analytics_api_is_for_analysts_only_and_carries_no_personal_data(client, outage, django_user_model):
    assert client.get("/api/v1/analytics/heat").status_code == 403
    assert client.get("/analytics/").status_code == 302
    user = django_user_model.objects.create_user("analyst", password="pw-123456")
    user.groups.add(Group.objects.get_or_create(name=workflow.ANALYST)[0])
    client.force_login(user)
    assert client.get("/analytics/").status_code == 200
    for url in ("/api/v1/analytics/heat?step=week", "/api/v1/analytics/incidents", "/api/v1/analytics/repeats",
                "/api/v1/analytics/choropleth?by=neighbourhood", "/api/v1/analytics/choropleth?by=service_area"):
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.content.decode()
        assert not any(m in text for m in PERSONAL_MARKERS), url
    assert client.get("/api/v1/analytics/heat?since=2026-05-01&until=2026-01-01").status_code == 400
