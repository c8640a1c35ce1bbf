"""Every public endpoint and tile, fetched for a small city whose appeals carry personal data: none of it leaks."""

import json

import pytest

from tests.integration.map_data import PERSONAL_MARKERS, appeal
from webmap import clusters as cl
from webmap import geojson, tiles

pytestmark = pytest.mark.django_db


@pytest.fixture
def city(registry):
    b = registry.buildings
    numbers = []
    for i, (key, status) in enumerate([("parkova:12", "registered"), ("parkova:12", "resolved"), ("parkova:14", "in_progress"),
                                       ("myru:5", "registered"), ("shkilna_e:4", "closed")]):
        numbers.append(appeal(f"26-10000{i}", building=b[key], status=status, history=True).number)
    # No building: a road pin; the public sees it on a 100 m grid, never on the pin.
    numbers.append(appeal("26-100009", lon=37.54123, lat=48.73456, category="road_damage").number)
    appeal("26-100010", building=b["druzhby:3"], category="consultation")
    return registry, numbers


def _public_urls(numbers: list[str]) -> list[str]:
    lon, lat = 37.545, 48.738
    urls = ["/", "/api/v1/public/categories", "/api/v1/layers/basemap",
            "/api/v1/layers/housenumbers?bbox=37.52,48.72,37.56,48.75", "/ogc/", "/ogc/conformance", "/ogc/collections"]
    for zoom in (10, 12, 14, 15, 16, 17, 18):
        urls.append(f"/api/v1/public/clusters?bbox=37.50,48.70,37.60,48.78&zoom={zoom}")
    urls += [f"/api/v1/public/appeals/{n}" for n in numbers]
    for layer in geojson.LAYERS:
        urls += [f"/api/v1/public/layers/{layer}", f"/ogc/collections/{layer}", f"/ogc/collections/{layer}/items"]
    for layer in tiles.LAYERS:
        for z in range(8, 19):
            x, y = cl.lonlat_to_mercator(lon, lat)
            size = 2 * cl.MERCATOR_HALF / 2**z
            tx, ty = int((x + cl.MERCATOR_HALF) // size), int((cl.MERCATOR_HALF - y) // size)
            for dx in (-1, 0, 1):
                urls.append(f"/tiles/{layer}/{z}/{tx + dx}/{ty}.pbf")
    return urls


def test_no_public_response_carries_a_name_a_phone_or_a_flat(client, city):
    _, numbers = city
    fetched = 0
    for url in _public_urls(numbers):
        response = client.get(url)
        assert response.status_code == 200, url
        raw = response.content
        body = None if url.endswith(".pbf") else raw.decode("utf-8")
        if body is not None and response["Content-Type"].split(";")[0] in ("application/json", "application/geo+json"):
            body = json.dumps(json.loads(body), ensure_ascii=False)  # \uXXXX escapes back to letters
        for marker in PERSONAL_MARKERS:
            assert marker.encode() not in raw, f"{marker!r} found in {url}"
            assert body is None or marker not in body, f"{marker!r} found in {url}"
        if body is not None and url.startswith("/api/v1/public/appeals/"):
            card = json.loads(body)
            assert set(card) == {"number", "status", "status_label", "category", "category_name", "created",
                                 "deadline", "resolved", "address"}
        fetched += 1
    assert fetched > 200


def test_a_non_public_category_has_no_public_card_and_is_not_on_the_map(client, city):
    assert client.get("/api/v1/public/appeals/26-100010").status_code == 404
    fc = client.get("/api/v1/public/clusters?bbox=37.50,48.70,37.60,48.78&zoom=18").json()
    assert "26-100010" not in {f["properties"]["number"] for f in fc["features"]}


def test_public_positions_are_the_building_point_or_a_100_m_grid_never_the_pin(client, city):
    registry, _ = city
    fc = client.get("/api/v1/public/clusters?bbox=37.50,48.70,37.60,48.78&zoom=18").json()
    by_number = {f["properties"]["number"]: f["geometry"]["coordinates"] for f in fc["features"]}
    assert by_number["26-100000"] == [round(c, 6) for c in registry.buildings["parkova:12"].point.coords]
    pin = by_number["26-100009"]
    assert pin != [37.54123, 48.73456]
    assert abs(pin[0] - 37.54123) < 0.002 and abs(pin[1] - 48.73456) < 0.001


def test_clusters_at_city_zoom_count_by_status_and_split_at_street_zoom(client, city):
    city_fc = client.get("/api/v1/public/clusters?bbox=37.50,48.70,37.60,48.78&zoom=11").json()
    street_fc = client.get("/api/v1/public/clusters?bbox=37.50,48.70,37.60,48.78&zoom=18").json()
    assert city_fc["clustered"] and not street_fc["clustered"]
    assert sum(f["properties"]["count"] for f in city_fc["features"]) == 6
    assert len(city_fc["features"]) < len(street_fc["features"]) == 6
    statuses = {}
    for f in city_fc["features"]:
        for k, v in f["properties"]["by_status"].items():
            statuses[k] = statuses.get(k, 0) + v
    assert statuses == {"registered": 3, "resolved": 1, "in_progress": 1, "closed": 1}


def test_a_period_filter_beyond_the_public_window_is_clamped(client, city, settings):
    settings.PUBLIC_MAP_WINDOW_DAYS = 30
    appeal("26-100020", building=city[0].buildings["myru:5"], age_days=45)
    fc = client.get("/api/v1/public/clusters?bbox=37.50,48.70,37.60,48.78&zoom=18&days=365").json()
    assert "26-100020" not in {f["properties"]["number"] for f in fc["features"]}


def test_the_status_filter_and_a_bad_bbox(client, city):
    fc = client.get("/api/v1/public/clusters?bbox=37.50,48.70,37.60,48.78&zoom=18&status=resolved,closed").json()
    assert sorted(f["properties"]["number"] for f in fc["features"]) == ["26-100001", "26-100004"]
    assert client.get("/api/v1/public/clusters?bbox=1,2,3&zoom=12").status_code == 400


def test_a_geojson_layer_never_sends_more_than_the_feature_cap(client, registry):
    fc = client.get("/api/v1/public/layers/buildings?bbox=37.50,48.70,37.60,48.78").json()
    assert fc["numberReturned"] == len(fc["features"]) <= cl.MAX_FEATURES
    assert fc["numberMatched"] == 9


def test_ogc_items_page_with_next_links(client, registry):
    page = client.get("/ogc/collections/buildings/items?limit=4").json()
    assert page["numberMatched"] == 9 and page["numberReturned"] == 4
    last = page["features"][-1]["id"]
    assert any(link["rel"] == "next" and f"after={last}" in link["href"] for link in page["links"])
    fid = page["features"][0]["id"]
    assert client.get(f"/ogc/collections/buildings/items/{fid}").json()["id"] == fid
