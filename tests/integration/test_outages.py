"""Outages (outages.services, outages.selectors) on real PostGIS: affected buildings, bad areas, history."""

from __future__ import annotations

import json

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from outages import selectors, services
from outages.errors import InvalidArea, OutageError, UnknownBuilding
from outages.models import Outage, OutageBuilding, OutageEvent, OutageStatus
from tests import factories

pytestmark = pytest.mark.django_db


def _geojson(mp) -> dict:
    return json.loads(mp.json)


def _independent_count(*, area_wkt: str, provider_id: int | None, kind: str) -> tuple[int, int]:
    """Buildings and residents, counted here in plain SQL without the service's query.

    A building counts when its footprint intersects the area and, with a provider, when that
    provider serves it for the kind: by a valid assignment, or (with no assignment of the kind) by
    the one area of the kind covering its point.
    """
    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT count(*), coalesce(sum(coalesce(b.residents, 0)), 0)
            FROM layers_building b
            WHERE ST_Intersects(b.geom, ST_GeomFromText(%(wkt)s, 4326))
              AND (%(provider)s::bigint IS NULL OR (
                    EXISTS (SELECT 1 FROM layers_buildingassignment a
                            JOIN layers_buildingassignment_service_kinds k ON k.buildingassignment_id = a.id
                            WHERE a.building_id = b.id AND k.servicekind_id = %(kind)s
                              AND a.provider_id = %(provider)s)
                    OR (NOT EXISTS (SELECT 1 FROM layers_buildingassignment a
                                    JOIN layers_buildingassignment_service_kinds k ON k.buildingassignment_id = a.id
                                    WHERE a.building_id = b.id AND k.servicekind_id = %(kind)s)
                        AND EXISTS (SELECT 1 FROM layers_servicearea s
                                    JOIN layers_servicearea_service_kinds k ON k.servicearea_id = s.id
                                    WHERE k.servicekind_id = %(kind)s AND s.provider_id = %(provider)s
                                      AND ST_Covers(s.geom, b.point)))))
            """,
            {"wkt": area_wkt, "provider": provider_id, "kind": kind},
        )
        return cur.fetchone()


def test_affected_buildings_of_a_drawn_area_equal_an_independent_postgis_count(registry):
    lon, lat = factories.CENTRE
    area = factories.box(lon - 0.016, lat - 0.01, lon + 0.012, lat + 0.01)
    result = services.declare_outage(service_kinds=["water"], area_geojson=_geojson(area))
    outage = result.outage
    expected = _independent_count(area_wkt=area.wkt, provider_id=None, kind="water")
    assert (outage.affected_buildings, outage.affected_residents) == expected
    assert expected[0] == 9 and OutageBuilding.objects.filter(outage=outage).count() == 9
    assert result.repaired is False


def test_a_provider_outage_affects_only_buildings_that_provider_serves_by_the_routing_rules(registry):
    lon, lat = factories.CENTRE
    area = factories.box(lon - 0.016, lat - 0.01, lon + 0.012, lat + 0.01)
    zhek = registry.providers["zhek1"]
    outage = services.declare_outage(service_kinds=["in_house"], provider=zhek, area_geojson=_geojson(area)).outage
    expected = _independent_count(area_wkt=area.wkt, provider_id=zhek.pk, kind="in_house")
    assert (outage.affected_buildings, outage.affected_residents) == expected
    affected = set(OutageBuilding.objects.filter(outage=outage).values_list("building_id", flat=True))
    # Паркова 12 has its own ОСББ (the assignment beats the ЖЕК's polygon); the east is not the ЖЕК's.
    assert registry.buildings["parkova:12"].pk not in affected
    assert registry.buildings["shkilna_e:4"].pk not in affected
    assert registry.buildings["parkova:14"].pk in affected
    osbb = services.declare_outage(service_kinds=["in_house"], provider=registry.providers["osbb"],
                                   area_geojson=_geojson(area)).outage
    assert list(OutageBuilding.objects.filter(outage=osbb).values_list("building_id", flat=True)) == [
        registry.buildings["parkova:12"].pk]


def test_changing_the_area_recomputes_the_affected_buildings_and_logs_who_and_when(registry):
    dispatcher = factories.staff("d1", "dispatcher")
    b = registry.buildings
    outage = services.declare_outage(service_kinds=["water"], building_ids=[b["parkova:12"].pk, b["parkova:14"].pk],
                                     actor=dispatcher).outage
    assert (outage.affected_buildings, outage.affected_residents) == (2, 280)
    lon, lat = factories.CENTRE
    services.change_outage(outage=outage, actor=dispatcher,
                           area_geojson=_geojson(factories.box(lon + 0.005, lat - 0.01, lon + 0.02, lat + 0.01)))
    outage.refresh_from_db()
    assert list(outage.buildings.values_list("building_id", flat=True)) == [b["shkilna_e:4"].pk]
    assert (outage.affected_buildings, outage.affected_residents) == (1, 3)
    later = timezone.now() + timezone.timedelta(hours=5)
    changed = services.change_outage(outage=outage, actor=dispatcher, expected_end=later)
    assert changed.expected_end_moved
    event = OutageEvent.objects.filter(outage=outage, action="expected_end").last()
    assert event.actor == dispatcher and event.new.startswith(timezone.localtime(later).strftime("%Y-%m-%dT%H:%M"))
    with pytest.raises(DatabaseError), transaction.atomic():
        OutageEvent.objects.filter(pk=event.pk).update(new="forged")


def test_a_self_intersecting_area_is_repaired_and_reported(registry):
    lon, lat = factories.CENTRE
    bowtie = {"type": "Polygon", "coordinates": [[[lon - 0.01, lat - 0.01], [lon + 0.01, lat + 0.01],
                                                  [lon + 0.01, lat - 0.01], [lon - 0.01, lat + 0.01],
                                                  [lon - 0.01, lat - 0.01]]]}
    result = services.declare_outage(service_kinds=["water"], area_geojson=bowtie)
    assert result.repaired and "make_valid" in result.notes[0]
    assert result.outage.area.valid and len(result.outage.area) == 2


@pytest.mark.parametrize(("area", "code"), [
    ({"type": "Point", "coordinates": [37.55, 48.73]}, "not_polygonal"),
    ({"type": "LineString", "coordinates": [[37.55, 48.73], [37.56, 48.74]]}, "not_polygonal"),
    ({"type": "Polygon", "coordinates": []}, "empty_area"),
    ({"type": "Polygon", "coordinates": [[[2.0, 48.0], [2.1, 48.0], [2.1, 48.1], [2.0, 48.0]]]}, "outside_hromada"),
    ({"type": "Polygon", "coordinates": [[[48.73, 37.55], [48.74, 37.55], [48.74, 37.56], [48.73, 37.55]]]},
     "outside_hromada"),
    ({"type": "Polygon", "crs": {"type": "name", "properties": {"name": "EPSG:3857"}},
      "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}, "wrong_crs"),
    ("not json", "invalid_geojson"),
])
def test_bad_areas_are_refused_with_a_code_and_nothing_is_created(registry, area, code):
    with pytest.raises(InvalidArea) as exc:
        services.declare_outage(service_kinds=["water"], area_geojson=area)
    assert exc.value.code == code and str(exc.value)
    assert not Outage.objects.exists()


def test_an_unknown_building_id_is_refused_and_nothing_is_created(registry):
    with pytest.raises(UnknownBuilding) as exc:
        services.declare_outage(service_kinds=["water"], building_ids=[registry.buildings["parkova:12"].pk, 987654321])
    assert "987654321" in str(exc.value)
    assert not Outage.objects.exists() and not OutageBuilding.objects.exists()


def test_an_outage_from_a_service_area_takes_its_provider(registry):
    outage = services.declare_outage(service_kinds=["in_house"], service_area=registry.areas["zhek1"]).outage
    assert outage.provider == registry.providers["zhek1"]
    assert outage.affected_buildings == 7  # the west half but Паркова 12 (its ОСББ)


def test_active_outages_at_a_building_are_the_confirmed_started_ones_and_resolving_ends_them(registry):
    b = registry.buildings["parkova:14"]
    now = timezone.now()
    active = services.declare_outage(service_kinds=["water"], building_ids=[b.pk], started_at=now).outage
    services.declare_outage(service_kinds=["water"], building_ids=[b.pk], kind="planned",
                            started_at=now + timezone.timedelta(days=1))
    services.declare_outage(service_kinds=["water"], building_ids=[b.pk], status=OutageStatus.SUSPECTED)
    assert [o.pk for o in selectors.active_outages_at(building_id=b.pk)] == [active.pk]
    assert selectors.active_outages_at(building_id=b.pk, service_kinds=["power"]) == []
    assert [o.pk for o in selectors.active_outages_at(lon=b.point.x, lat=b.point.y)] == [active.pk]
    services.set_status(outage=active, to_status=OutageStatus.RESOLVED, note="відновлено")
    assert selectors.active_outages_at(building_id=b.pk) == []
    with pytest.raises(OutageError):
        services.set_status(outage=active, to_status=OutageStatus.CONFIRMED)
