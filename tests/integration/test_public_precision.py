"""Public precision (appeals.precision): a private house or a small block is never pointed at in public.

The card, the viewport GeoJSON, the point tiles and the city-zoom clusters all place an appeal at a
private house at street level (on its street's axis, a 250 m grid cell away at most) with the street's
name alone; staff layers keep the house. The public card also keeps to the public map's window.
"""

import mapbox_vector_tile
import pytest
from django.contrib.gis.geos import LineString, MultiLineString, Point

from appeals import precision
from gis.srid import METRIC_SRID, STORAGE_SRID
from tests import factories
from tests.integration.map_data import appeal
from webmap import cells
from webmap import clusters as cl

pytestmark = pytest.mark.django_db

BBOX = "37.50,48.70,37.62,48.78"


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    p, q = Point(*a, srid=STORAGE_SRID), Point(*b, srid=STORAGE_SRID)
    p.transform(METRIC_SRID)
    q.transform(METRIC_SRID)
    return p.distance(q)


@pytest.fixture
def town(registry):
    house = registry.buildings["shkilna_e:4"]  # a private house (kind "house", one flat)
    lon, lat = house.point.coords
    street = registry.streets["shkilna_e"]
    # The street's axis runs east-west 30 m south of the house.
    w, s = factories.offset(lon, lat, dx_m=-600, dy_m=-30)
    e, _ = factories.offset(lon, lat, dx_m=600, dy_m=-30)
    street.geom = MultiLineString(LineString((w, s), (e, s), srid=STORAGE_SRID), srid=STORAGE_SRID)
    street.save()
    small = factories.building(registry.streets["myru"], "9", lon=lon - 0.02, lat=lat - 0.004, flats=8)
    appeal("26-300001", building=house)
    appeal("26-300002", building=small)
    appeal("26-300003", building=registry.buildings["parkova:12"])  # 60 flats: exact
    cells.rebuild_cells()
    registry.house, registry.small = house, small
    return registry


def _features(client, zoom: int) -> dict:
    fc = client.get(f"/api/v1/public/clusters?bbox={BBOX}&zoom={zoom}").json()
    return {f["properties"]["number"]: tuple(f["geometry"]["coordinates"]) for f in fc["features"]}


def test_the_public_card_names_the_street_but_not_the_house_of_a_private_house_or_a_small_block(client, town):
    house = client.get("/api/v1/public/appeals/26-300001").json()
    small = client.get("/api/v1/public/appeals/26-300002").json()
    block = client.get("/api/v1/public/appeals/26-300003").json()
    assert house["address"] == "вулиця Шкільна"
    assert small["address"] == "вулиця Миру"
    assert block["address"] == "вулиця Паркова, 12"


def test_a_private_house_is_on_its_street_in_the_viewport_geojson_never_on_the_house(client, town):
    positions = _features(client, 18)
    house = positions["26-300001"]
    assert house != tuple(round(c, 6) for c in town.house.point.coords)
    street = town.streets["shkilna_e"].geom.clone()
    street.transform(METRIC_SRID)
    p = Point(*house, srid=STORAGE_SRID)
    p.transform(METRIC_SRID)
    assert street.distance(p) < 0.5  # on the street's axis
    assert 0 < _metres(house, town.house.point.coords) < 400
    assert positions["26-300003"] == tuple(round(c, 6) for c in town.buildings["parkova:12"].point.coords)
    assert positions["26-300002"] != tuple(round(c, 6) for c in town.small.point.coords)


def _tile_points(client, layer: str, lon: float, lat: float, z: int) -> list[tuple[float, float, dict]]:
    x, y = cl.lonlat_to_mercator(lon, lat)
    size = 2 * cl.MERCATOR_HALF / 2**z
    tx, ty = int((x + cl.MERCATOR_HALF) // size), int((cl.MERCATOR_HALF - y) // size)
    found = []
    for dx in (-1, 0, 1):
        for dy in (-1, 0, 1):
            response = client.get(f"/tiles/{layer}/{z}/{tx + dx}/{ty + dy}.pbf")
            assert response.status_code == 200
            decoded = mapbox_vector_tile.decode(response.content, default_options={"y_coord_down": True})
            for f in decoded.get(layer if layer == "appeals" else "appeals", {}).get("features", []):
                px, py = f["geometry"]["coordinates"]
                mx = (tx + dx) * size - cl.MERCATOR_HALF + px / 4096 * size
                my = cl.MERCATOR_HALF - (ty + dy) * size - py / 4096 * size
                found.append((*cl.mercator_to_lonlat(mx, my), f["properties"]))
    return found


def test_public_tiles_and_clusters_put_a_private_house_at_street_level_and_staff_tiles_at_the_house(client, town):
    lon, lat = town.house.point.coords
    public = [p for p in _tile_points(client, "appeals", lon, lat, 17) if p[2].get("number") == "26-300001"]
    assert public and all(_metres((x, y), (lon, lat)) > 20 for x, y, _ in public)
    clustered = _tile_points(client, "appeals", lon, lat, 16)  # the finest cells: a one-appeal cluster
    assert clustered and all(_metres((x, y), (lon, lat)) > 20 for x, y, p in clustered
                             if _metres((x, y), (lon, lat)) < 400)
    for zoom in (14, 15, 16, 17):  # the viewport API clusters up to 17
        fc = client.get(f"/api/v1/public/clusters?bbox={BBOX}&zoom={zoom}").json()
        assert fc["clustered"] and fc["features"]
        for f in fc["features"]:
            assert _metres(tuple(f["geometry"]["coordinates"]), (lon, lat)) > 20, zoom
    client.force_login(factories.staff("disp-precision", "dispatcher"))
    staff = [p for p in _tile_points(client, "appeals_internal", lon, lat, 17) if p[2].get("number") == "26-300001"]
    assert staff and min(_metres((x, y), (lon, lat)) for x, y, _ in staff) < 2


def test_the_threshold_is_a_setting_and_the_cells_follow_it(client, town, settings):
    settings.PUBLIC_EXACT_MIN_FLATS = 5
    cells.install_public_precision()
    assert cells.installed_min_flats() == 5
    assert client.get("/api/v1/public/appeals/26-300002").json()["address"] == "вулиця Миру, 9"
    assert _features(client, 18)["26-300002"] == tuple(round(c, 6) for c in town.small.point.coords)
    assert client.get("/api/v1/public/appeals/26-300001").json()["address"] == "вулиця Шкільна"  # a house stays
    settings.PUBLIC_EXACT_MIN_FLATS = precision.DEFAULT_EXACT_MIN_FLATS
    cells.install_public_precision()


def test_the_public_card_answers_only_within_the_public_window(client, town, settings):
    settings.PUBLIC_MAP_WINDOW_DAYS = 30
    appeal("26-300010", building=town.buildings["parkova:12"], age_days=45)
    appeal("26-300011", building=town.buildings["parkova:12"], age_days=10)
    assert client.get("/api/v1/public/appeals/26-300010").status_code == 404
    assert client.get("/api/v1/public/appeals/26-300011").status_code == 200
    appeal("26-300012", building=town.buildings["parkova:12"], age_days=5, category="consultation")
    assert client.get("/api/v1/public/appeals/26-300012").status_code == 404


def test_the_python_rule_and_the_sql_rule_agree(db):
    from django.db import connection

    cases = [(k, f) for k in ("apartment", "house", "public", "other") for f in (None, 0, 1, 19, 20, 60)]
    with connection.cursor() as cur:
        for kind, flats in cases:
            cur.execute(f"SELECT {precision.exact_sql('b')} FROM (SELECT %s::text AS kind, %s::int AS flats) AS b",
                        [kind, flats])
            assert cur.fetchone()[0] is precision.is_exact(kind=kind, flats=flats), (kind, flats)


def test_open_appeals_offered_to_a_resident_filing_online_name_a_private_house_by_its_street_only(town):
    from citizens.selectors import nearby_open_appeals
    from layers.models import Category

    near = nearby_open_appeals(category=Category.objects.get(code="no_cold_water"), building=town.house)
    assert [(a.number, a.address) for a in near] == [("26-300001", "вулиця Шкільна")]
