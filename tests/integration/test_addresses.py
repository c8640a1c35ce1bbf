"""The Address layer: a building's main address kept by the database, other addresses, address points."""

import pytest
from django.contrib.gis.geos import Point
from django.db import connection

from appeals import services as appeals
from geocoding import services as geocoding
from gis.srid import STORAGE_SRID
from layers.models import Address, Building
from tests import factories

pytestmark = pytest.mark.django_db


def _extra(street, housenumber: str, *, lon: float, lat: float, building=None, source_id: str = "") -> Address:
    return Address.objects.create(street=street, housenumber=housenumber, housenumber_key=housenumber,
                                  number=int("".join(c for c in housenumber if c.isdigit())),
                                  point=Point(lon, lat, srid=STORAGE_SRID), building=building,
                                  source="test", source_id=source_id)


def test_every_building_with_a_street_gets_its_main_address_with_the_same_street_number_and_point(registry):
    b = registry.buildings["parkova:12А"]
    main = b.addresses.get(is_main=True)
    assert (main.street_id, main.housenumber, main.housenumber_key, main.letter) == (b.street_id, "12А", "12А", "А")
    assert main.point.equals_exact(b.point, 1e-12)
    assert Address.objects.filter(is_main=True).count() == Building.objects.filter(street__isnull=False).count()


def test_editing_a_building_s_number_or_moving_it_updates_its_main_address_and_creates_no_second_one(registry):
    b = registry.buildings["parkova:14"]
    b.housenumber, b.housenumber_key, b.number = "16", "16", 16
    b.point = Point(b.point.x + 0.0001, b.point.y, srid=STORAGE_SRID)
    b.save()
    main = b.addresses.get(is_main=True)
    assert (main.housenumber, main.number) == ("16", 16)
    assert main.point.equals_exact(b.point, 1e-12)
    assert b.addresses.count() == 1


def test_a_deleted_building_takes_its_main_address_and_leaves_its_other_addresses_as_address_points(registry):
    b = registry.buildings["druzhby:3"]
    other = _extra(registry.streets["myru"], "40", lon=b.point.x, lat=b.point.y, building=b)
    main_id = b.addresses.get(is_main=True).id
    b.delete()
    assert not Address.objects.filter(pk=main_id).exists()
    other.refresh_from_db()
    assert other.building_id is None


def test_raw_sql_delete_of_a_building_is_handled_by_the_database_too(registry):
    b = registry.buildings["shkilna_w:4"]
    with connection.cursor() as cur:
        cur.execute("DELETE FROM layers_building WHERE id = %s", [b.id])
    assert not Address.objects.filter(building_id=b.id).exists()


def test_a_corner_building_is_found_by_its_second_address_and_the_result_names_both(registry):
    b = registry.buildings["parkova:12"]
    corner = _extra(registry.streets["druzhby"], "40", lon=b.point.x, lat=b.point.y, building=b)
    first = geocoding.geocode(query="Дружби 40")[0]
    assert (first.building_id, first.address_id, first.match) == (b.id, corner.id, "exact")
    assert first.address == "вулиця Дружби, 40"
    main = geocoding.geocode(query="Паркова 12")[0]
    assert (main.building_id, main.address_id) == (b.id, b.addresses.get(is_main=True).id)


def test_an_address_point_with_no_building_is_geocoded_at_its_point(registry):
    lon, lat = factories.CENTRE[0] - 0.01, factories.CENTRE[1] + 0.008
    pt = _extra(registry.streets["druzhby"], "41", lon=lon, lat=lat)
    first = geocoding.geocode(query="вул. Дружби, 41")[0]
    assert (first.building_id, first.address_id, first.match) == (None, pt.id, "exact")
    assert (first.lon, first.lat) == pytest.approx((lon, lat))
    assert [s.address_id for s in geocoding.suggest(prefix="Дружби 41")] == [pt.id]


def test_an_appeal_on_an_address_point_is_filed_at_that_point_without_a_building(registry):
    lon, lat = factories.CENTRE[0] - 0.01, factories.CENTRE[1] + 0.008
    _extra(registry.streets["druzhby"], "41", lon=lon, lat=lat)
    place = appeals.resolve_place(address_text="Дружби 41")
    assert place.building is None
    assert (place.point.x, place.point.y) == pytest.approx((lon, lat))
    assert place.address_text == "вулиця Дружби, 41"


def test_the_intake_text_of_a_one_address_building_is_the_building_s_address_as_before(registry):
    place = appeals.resolve_place(address_text="Парковая 12")
    assert place.building == registry.buildings["parkova:12"]
    assert place.address_text == registry.buildings["parkova:12"].address == "вулиця Паркова, 12"


def test_reverse_names_the_building_s_address_nearest_the_point(registry):
    b = registry.buildings["parkova:12"]
    r = geocoding.reverse(lon=b.point.x, lat=b.point.y)
    assert (r.building_id, r.address_id, r.address) == (b.id, b.addresses.get(is_main=True).id, "вулиця Паркова, 12")


def test_a_building_whose_addresses_are_only_on_nodes_inside_it_is_named_by_them_not_by_its_id(registry):
    lonely = factories.building(None, "", lon=37.5801, lat=48.7301)
    assert lonely.address == f"будинок без адреси #{lonely.pk}"
    _extra(registry.streets["myru"], "7", lon=37.5801, lat=48.7301, building=lonely, source_id="n1")
    _extra(registry.streets["parkova"], "20", lon=37.5801, lat=48.7301, building=lonely, source_id="n2")
    fresh = Building.objects.get(pk=lonely.pk)
    assert fresh.address == " / ".join(sorted([a.label for a in fresh.addresses.select_related("street")],
                                              key=lambda label: "Миру" not in label))
    assert "#" not in fresh.address and "Миру, 7" in fresh.address and "Паркова, 20" in fresh.address
    prefetched = Building.objects.prefetch_related("addresses__street").get(pk=lonely.pk)
    assert set(prefetched.address.split(" / ")) == set(fresh.address.split(" / "))
