"""The HTTP API: JSON shape, 400 on bad input (never 500), the OpenAPI schema."""

import pytest
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from tests.integration.test_geocoding_town import build_town

# Our endpoints and the schema view alone, so these tests do not depend on other apps' URL modules.
urlpatterns = [
    path("api/v1/schema", SpectacularAPIView.as_view(), name="api-schema"),
    path("", include("geocoding.urls")),
]
pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


@pytest.fixture
def town(db):
    """The test town (names the demo city does not have): see test_geocoding_town.py."""
    return build_town()

FIELDS = {"building_id", "address_id", "address", "street", "street_type", "housenumber", "neighbourhood", "flat", "lon", "lat",
          "match", "score"}


def test_geocode_returns_the_building_with_every_documented_field(client, town):
    r = client.get("/api/v1/geocode", {"q": "ул. Ореховая 12а, кв. 5"})
    assert r.status_code == 200
    body = r.json()
    assert body["query"] == "ул. Ореховая 12а, кв. 5"
    first = body["results"][0]
    assert set(first) == FIELDS
    assert first["building_id"] == town.buildings["horikhova:12А"].id
    assert first["address"] == "вулиця Горіхова, 12А"
    assert (first["street"], first["street_type"], first["housenumber"], first["flat"]) == ("Горіхова", "вулиця", "12А", "5")
    assert first["match"] == "alias" and 0 < first["score"] <= 1
    assert first["lon"] == pytest.approx(town.buildings["horikhova:12А"].point.x)
    assert first["address_id"] == town.buildings["horikhova:12А"].addresses.get(is_main=True).id


def test_unknown_address_is_an_empty_list_not_an_error(client, town):
    r = client.get("/api/v1/geocode", {"q": "Неіснуюча 5"})
    assert r.status_code == 200 and r.json()["results"] == []


@pytest.mark.parametrize("q", ["", "   ", "x" * 10_000, None])
def test_empty_blank_or_huge_query_is_a_400_with_a_message(client, q):
    r = client.get("/api/v1/geocode", {} if q is None else {"q": q})
    assert r.status_code == 400
    assert r.json()["detail"] and r.json()["code"]


@pytest.mark.parametrize("q", ["12345", "🙂🙂🙂", "'; DROP TABLE layers_building; --", "Гoрiхoвa 12", "\\x00%%",
                               "ул. ул. ул.", "кв. 5", "пос.", "1" * 300])
def test_odd_input_never_fails(client, q):
    r = client.get("/api/v1/geocode", {"q": q})
    assert r.status_code in (200, 400)
    if r.status_code == 200:
        assert isinstance(r.json()["results"], list)


def test_latin_look_alike_letters_still_find_the_building(client, town):
    r = client.get("/api/v1/geocode", {"q": "Гoрiхoвa 14"})  # Latin o and i
    assert r.json()["results"][0]["building_id"] == town.buildings["horikhova:14"].id


def test_limit_out_of_range_is_a_400(client):
    assert client.get("/api/v1/geocode", {"q": "Горіхова 12", "limit": "0"}).status_code == 400
    assert client.get("/api/v1/geocode", {"q": "Горіхова 12", "limit": "abc"}).status_code == 400


def test_reverse_finds_the_building_under_a_click(client, town):
    b = town.buildings["tykha:3"]
    r = client.get("/api/v1/reverse", {"lon": b.point.x, "lat": b.point.y})
    assert r.status_code == 200
    res = r.json()["results"][0]
    assert res["building_id"] == b.id and res["inside"] is True and res["distance_m"] == 0


@pytest.mark.parametrize("params", [{}, {"lon": "abc", "lat": "48"}, {"lon": "37.5"}, {"lon": "200", "lat": "48"},
                                    {"lon": "37.5", "lat": "nan"}])
def test_reverse_without_valid_coordinates_is_a_400(client, params):
    r = client.get("/api/v1/reverse", params)
    assert r.status_code == 400 and r.json()["detail"] and r.json()["code"]


def test_reverse_far_from_any_building_is_an_empty_list(client):
    r = client.get("/api/v1/reverse", {"lon": 37.0, "lat": 48.0})
    assert r.status_code == 200 and r.json()["results"] == []


def test_suggest_completes_a_street_prefix(client, town):
    r = client.get("/api/v1/suggest", {"q": "Горіх"})
    assert r.status_code == 200
    addresses = [x["address"] for x in r.json()["results"]]
    assert addresses[:3] == ["вулиця Горіхова, 12", "вулиця Горіхова, 12А", "вулиця Горіхова, 14"]


def test_suggest_with_an_empty_prefix_is_a_400(client):
    assert client.get("/api/v1/suggest", {"q": " "}).status_code == 400


def test_the_openapi_schema_documents_the_three_endpoints(client):
    r = client.get("/api/v1/schema", {"format": "json"})
    assert r.status_code == 200
    paths = r.json()["paths"]
    for url in ("/api/v1/geocode", "/api/v1/reverse", "/api/v1/suggest"):
        assert url in paths
    props = r.json()["components"]["schemas"]["GeocodeResultOut"]["properties"]
    assert FIELDS <= set(props)
