"""The registry's database rules: constraints, subdivided areas, the offline basemap."""

import json

import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.db import IntegrityError, connection, transaction

from gis.srid import STORAGE_SRID
from layers import models
from tests import factories

pytestmark = pytest.mark.django_db


def test_service_area_is_subdivided_by_the_database_on_insert_and_update():
    prov = factories.provider("Водоканал", "water_utility")
    # A circle with 400 vertices: ST_Subdivide(…, 64) must cut it into several parts.
    centre = Point(*factories.CENTRE, srid=STORAGE_SRID)
    circle = centre.buffer(0.01, quadsegs=100)
    area = factories.area(prov, MultiPolygon(circle, srid=STORAGE_SRID), service_kinds=("water",))
    parts = list(area.parts.all())
    assert len(parts) > 1
    assert sum(p.geom.area for p in parts) == pytest.approx(area.geom.area, rel=1e-9)

    area.geom = factories.box(37.5, 48.7, 37.51, 48.71)
    area.save()
    assert area.parts.count() == 1


def test_invalid_building_geometry_is_refused_by_the_database():
    bowtie = Polygon(((37.5, 48.7), (37.51, 48.71), (37.51, 48.7), (37.5, 48.71), (37.5, 48.7)), srid=STORAGE_SRID)
    with pytest.raises(IntegrityError), transaction.atomic():
        models.Building.objects.create(geom=MultiPolygon(bowtie, srid=STORAGE_SRID),
                                       point=Point(37.505, 48.705, srid=STORAGE_SRID))


def test_source_ids_are_unique_per_source_but_blank_ids_may_repeat():
    factories.building(None, "1", lon=37.55, lat=48.73, source_id="way/1")
    factories.building(None, "2", lon=37.551, lat=48.73)
    factories.building(None, "3", lon=37.552, lat=48.73)
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.building(None, "4", lon=37.553, lat=48.73, source_id="way/1")


def test_geometry_columns_carry_srid_4326_and_gist_indexes():
    with connection.cursor() as cur:
        cur.execute("SELECT f_table_name, srid FROM geometry_columns WHERE f_table_name LIKE 'layers_%'")
        srids = dict(cur.fetchall())
        cur.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'layers_serviceareapart'")
        indexes = " ".join(row[0] for row in cur.fetchall())
    assert set(srids.values()) == {STORAGE_SRID}
    assert "gist" in indexes.lower()


def test_basemap_draws_boundary_neighbourhoods_and_streets(client):
    city = factories.tiny_city()
    models.Boundary.objects.create(name_uk="Краматорська громада", geom=factories.box(37.4, 48.6, 37.7, 48.9))
    city.streets["parkova"].geom = "SRID=4326;MULTILINESTRING((37.54 48.74, 37.55 48.74))"
    city.streets["parkova"].save()
    response = client.get("/api/v1/layers/basemap")
    assert response.status_code == 200
    layers = [f["properties"]["layer"] for f in json.loads(response.content)["features"]]
    assert layers.count("boundary") == 1
    assert layers.count("neighbourhood") == 2
    assert layers.count("street") == 1


def test_house_numbers_for_the_basemap_are_every_address_in_the_view_and_nothing_else(client, registry):
    b = registry.buildings["parkova:12"]
    corner = models.Address.objects.create(street=registry.streets["myru"], housenumber="5", housenumber_key="5",
                                           number=5, point=b.point, building=b, source="test", source_id="corner")
    x, y = b.point.coords
    response = client.get(f"/api/v1/layers/housenumbers?bbox={x - 0.003},{y - 0.003},{x + 0.003},{y + 0.003}")
    assert response.status_code == 200 and response["Content-Type"] == "application/geo+json"
    features = json.loads(response.content)["features"]
    inside = models.Address.objects.filter(point__within=factories.box(x - 0.003, y - 0.003, x + 0.003, y + 0.003))
    assert sorted(f["properties"]["n"] for f in features) == sorted(inside.exclude(housenumber="")
                                                                     .values_list("housenumber", flat=True))
    assert "5" in {f["properties"]["n"] for f in features} and corner.pk
    assert all(set(f["properties"]) == {"n"} for f in features)  # the number only: no street, flats, ids
    far = client.get("/api/v1/layers/housenumbers?bbox=37.0,48.0,37.9,48.9")
    assert far.status_code == 400 and far.json()["code"] == "bbox_too_large" and "наблизьте" in far.json()["detail"]
    assert client.get("/api/v1/layers/housenumbers?bbox=abc").json()["code"] == "invalid_bbox"


def test_service_kinds_are_seeded():
    assert {"water", "hot_water", "heating", "power", "lift", "waste", "in_house"} <= set(
        models.ServiceKind.objects.values_list("code", flat=True))
