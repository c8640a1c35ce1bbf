"""OSM addresses as real extracts hold them (tests/fixtures/importers/addresses_small.osm, made by make_fixtures.py)."""

from pathlib import Path

import pytest

from geocoding import services as geocoding
from importers.osm import import_osm
from layers import models

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_registry")]

ROOT = Path(__file__).resolve().parents[2]
FIX = ROOT / "tests" / "fixtures" / "importers" / "addresses_small.osm"
BOUNDARY = ROOT / "data" / "kramatorsk" / "hromada_boundary.geojson"


@pytest.fixture
def report():
    return import_osm(FIX, boundary=BOUNDARY, commit=True)


def _address(source_id: str) -> models.Address:
    return models.Address.objects.select_related("building", "street").get(source="osm", source_id=source_id)


def test_an_address_node_inside_a_footprint_is_a_second_address_of_that_building(report):
    corner = models.Building.objects.get(source_id="way/102")
    assert sorted(a.label for a in corner.addresses.select_related("street")) == [
        "Садова, 5", "вулиця Паркова, 12", "вулиця Паркова, 12А"]
    found = geocoding.geocode(query="Садова 5")[0]
    assert (found.building_id, found.address_id, found.match) == (corner.id, _address("node/9").id, "exact")


def test_an_address_node_on_the_edge_or_two_metres_outside_belongs_to_the_building(report):
    assert _address("node/10").building.source_id == "way/102"  # on the outline
    assert _address("node/15").building.source_id == "way/103"  # ~2 m outside it


def test_an_entrance_keeps_its_ref_and_flats_and_belongs_to_its_building(report):
    entrance = _address("node/16")
    assert (entrance.entrance, entrance.flats, entrance.building.source_id) == ("2", "37-72", "way/103")


def test_an_address_far_from_any_footprint_is_an_address_point_found_at_its_point(report):
    point = _address("node/17")
    assert point.building is None
    found = geocoding.geocode(query="вул. Паркова, 2")[0]
    assert (found.building_id, found.address_id) == (None, point.id)
    assert (found.lon, found.lat) == pytest.approx((point.point.x, point.point.y))
    assert geocoding.geocode(query="Леніна 2")[0].address_id == point.id  # old_addr:street is an old name


def test_an_addr_street_outside_the_clip_becomes_a_street_without_an_axis(report):
    far = models.Street.objects.get(name="Далека")
    assert far.geom is None and far.street_type == "вулиця"
    assert geocoding.geocode(query="Далека 1")[0].address_id == _address("node/18").id


def test_a_street_without_a_type_word_keeps_its_name_and_no_type_is_invented(report):
    sadova = models.Street.objects.get(name="Садова")
    assert sadova.street_type == "" and sadova.full_name == "Садова"
    assert geocoding.geocode(query="Садова 5")[0].address == "Садова, 5"


def test_a_village_without_streets_is_a_place_node_and_its_houses_are_found_by_addr_place(report):
    village = models.Neighbourhood.objects.get(name_uk="Малотаранівка")
    assert village.geom is None and village.name_ru == "Малотарановка"
    found = geocoding.geocode(query="Малотаранівка 7")[0]
    assert (found.address, found.street_id, found.match) == ("Малотаранівка, 7", None, "exact")


def test_a_self_intersecting_building_way_and_relation_are_repaired_and_reported_never_dropped(report):
    for osm_id in ("way/104", "relation/2001"):
        b = models.Building.objects.get(source_id=osm_id)
        assert b.geom.valid and b.geom.covers(b.point)
        assert any(n.source_id == osm_id for n in report.repaired)
    assert geocoding.geocode(query="Паркова 30")[0].building_id == models.Building.objects.get(
        source_id="relation/2001").id


def test_every_object_not_stored_is_rejected_with_its_reason_and_the_balance_adds_up(report):
    reasons = {n.source_id: n.reason for n in report.rejected}
    assert "extract's edge" in reasons["relation/2002"]
    assert "node locations missing" in reasons["way/107"]
    assert "without addr:street or addr:place" in reasons["node/19"]
    assert report.balance["building"] == {"in file": 6, "stored": 4, "rejected": 2, "outside": 0}
    assert report.balance["address"] == {"in file": 8, "stored": 7, "rejected": 1, "outside": 0}
    for kind, b in report.balance.items():
        assert b["in file"] == b["stored"] + b["rejected"] + b["outside"], kind
    assert "building objects in the file: 6 = stored 4 + rejected 2" in report.format()


def test_a_reimport_changes_no_address_and_duplicates_none(report):
    rows = models.Address.objects.count()
    again = import_osm(FIX, boundary=BOUNDARY, commit=True)
    assert models.Address.objects.count() == rows
    assert (again.counts["address"].created, again.counts["address"].updated) == (0, 0)
