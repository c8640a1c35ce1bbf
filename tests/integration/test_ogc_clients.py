"""GIS clients nobody here wrote, against a live server: GDAL's OAPIF driver (ogr2ogr, as QGIS users and
scripts run it) and OWSLib's Features client."""

import shutil
import subprocess
import time

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(shutil.which("ogr2ogr") is None, reason="gdal-bin is installed by scripts/deps.sh")
def test_ogr2ogr_copies_every_building_of_the_demo_city_within_15_seconds(live_server, demo_city, tmp_path,
                                                                         django_db_blocker):
    from layers.models import Building

    with django_db_blocker.unblock():
        want = Building.objects.count()
    out = tmp_path / "buildings.gpkg"
    # Debian's GDAL 3.6 asks limit=10 unless told a page size (it does not read the limit the API definition
    # declares); 1,000 is the default that definition gives.
    started = time.monotonic()
    subprocess.run(["ogr2ogr", "-f", "GPKG", str(out), f"OAPIF:{live_server.url}/ogc/", "buildings",
                    "-oo", "PAGE_SIZE=1000"], check=True, timeout=120, capture_output=True)
    elapsed = time.monotonic() - started
    info = subprocess.run(["ogrinfo", "-so", "-ro", str(out), "buildings"], check=True, capture_output=True,
                          text=True, timeout=60).stdout
    assert f"Feature Count: {want}" in info
    assert elapsed <= 15, f"{elapsed:.1f} s"


def test_owslib_reads_the_service_its_collections_queryables_and_filtered_items(live_server, demo_city):
    from owslib.ogcapi.features import Features

    api = Features(f"{live_server.url}/ogc/")
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in api.conformance()["conformsTo"]
    assert {c["id"] for c in api.collections()["collections"]} >= {"buildings", "streets", "service_areas"}
    assert "street" in api.collection_queryables("buildings")["properties"]
    page = api.collection_items("buildings", limit=5, street="вулиця Паркова")
    assert 0 < page["numberReturned"] <= 5 < page["numberMatched"]
    assert {f["properties"]["street"] for f in page["features"]} == {"вулиця Паркова"}
    limit = next(p for p in api.api()["paths"]["/collections/{collectionId}/items"]["get"]["parameters"]
                 if p["name"] == "limit")
    assert limit["schema"]["maximum"] == 10_000
