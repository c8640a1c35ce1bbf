"""OGC API – Features (webmap/ogc.py): what GIS clients rely on, through Django's test client.

The clients themselves (GDAL's ogr2ogr, OWSLib) against a live server are in test_ogc_clients.py.
"""

import pytest

pytestmark = pytest.mark.django_db

ITEMS = "/ogc/collections/buildings/items"
EPSG = "http://www.opengis.net/def/crs/EPSG/0/"


def test_the_api_definition_declares_the_limit_default_1000_and_maximum_10000(client, registry):
    doc = client.get("/ogc/api")
    assert doc["Content-Type"].startswith("application/vnd.oai.openapi+json")
    params = {p["name"]: p for p in doc.json()["paths"]["/collections/{collectionId}/items"]["get"]["parameters"]}
    assert params["limit"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 10_000, "default": 1000}
    assert {"bbox", "bbox-crs", "crs", "datetime", "filter"} <= set(params)
    landing = client.get("/ogc/").json()
    assert any(ln["rel"] == "service-desc" and ln["href"].endswith("/ogc/api") for ln in landing["links"])


def test_a_limit_above_the_maximum_is_refused_with_a_ukrainian_detail_and_a_code(client, registry):
    r = client.get(f"{ITEMS}?limit=10001")
    assert r.status_code == 400
    assert r.json()["code"] == "invalid_limit" and "limit" in r.json()["detail"]
    assert client.get(f"{ITEMS}?limit=10000").status_code == 200


def test_next_links_page_through_every_feature_once_with_number_matched_on_the_first_page(client, registry):
    page = client.get(f"{ITEMS}?limit=2").json()
    total, seen = page["numberMatched"], [f["id"] for f in page["features"]]
    while True:
        nxt = [ln["href"] for ln in page["links"] if ln["rel"] == "next"]
        if not nxt:
            break
        page = client.get(nxt[0].replace("http://testserver", "")).json()
        seen += [f["id"] for f in page["features"]]
    assert len(seen) == len(set(seen)) == total == 9


def test_crs_32637_returns_metres_and_says_so_in_content_crs(client, registry):
    r = client.get(f"{ITEMS}?limit=1&crs={EPSG}32637")
    assert r["Content-Crs"] == f"<{EPSG}32637>"
    x, y = r.json()["features"][0]["geometry"]["coordinates"][0][0][0]
    assert 300_000 < x < 700_000 and 5_300_000 < y < 5_500_000  # UTM 37N easting, northing at Kramatorsk
    assert "crs" not in r.json()["features"][0]["geometry"]


def test_epsg_4326_is_latitude_first_and_crs84_longitude_first(client, registry):
    lon, lat = client.get(f"{ITEMS}?limit=1").json()["features"][0]["geometry"]["coordinates"][0][0][0]
    lat2, lon2 = client.get(f"{ITEMS}?limit=1&crs={EPSG}4326").json()["features"][0]["geometry"]["coordinates"][0][0][0]
    assert (lon, lat) == (lon2, lat2) and 37 < lon < 38 and 48 < lat < 49


def test_a_bbox_in_epsg_32637_selects_the_same_buildings_as_the_same_box_in_degrees(client, registry):
    from django.contrib.gis.geos import Polygon

    box = Polygon.from_bbox((37.50, 48.70, 37.60, 48.78))
    box.srid = 4326
    box.transform(32637)
    w, s, e, n = box.extent
    in_degrees = client.get(f"{ITEMS}?bbox=37.50,48.70,37.60,48.78").json()["numberMatched"]
    in_metres = client.get(f"{ITEMS}?bbox={w},{s},{e},{n}&bbox-crs={EPSG}32637").json()["numberMatched"]
    assert in_degrees == 9 and in_metres >= in_degrees  # the box in metres covers the one in degrees
    assert client.get(f"{ITEMS}?bbox=1,2,3,4&bbox-crs=EPSG:2000").json()["code"] == "unsupported_bbox_crs"


def test_property_filters_and_cql2_equalities_keep_only_matching_buildings(client, registry):
    from layers.models import Building

    b = Building.objects.exclude(street=None).select_related("street").first()
    street = f"{b.street.street_type} {b.street.name}"
    want = Building.objects.filter(street=b.street, kind=b.kind).count()
    by_params = client.get(ITEMS, {"street": street, "kind": b.kind}).json()
    by_cql2 = client.get(ITEMS, {"filter": f"street='{street}' AND kind='{b.kind}'"}).json()
    assert by_params["numberMatched"] == by_cql2["numberMatched"] == want > 0
    assert all(f["properties"]["street"] == street for f in by_params["features"])
    assert client.get(ITEMS, {"filter": "floors > 3"}).json()["code"] == "unsupported_filter"
    assert client.get(ITEMS, {"owner": "x"}).json()["code"] == "unknown_parameter"


def test_queryables_list_the_properties_that_filter(client, registry):
    doc = client.get("/ogc/collections/buildings/queryables").json()
    assert set(doc["properties"]) == {"housenumber", "kind", "floors", "street"}


def test_service_areas_have_time_and_datetime_keeps_those_valid_then(client, registry):
    from datetime import date

    from django.db.models import Q

    from layers.models import ServiceArea

    coll = client.get("/ogc/collections/service_areas").json()
    assert coll["extent"]["temporal"]["interval"]
    url = "/ogc/collections/service_areas/items"
    now = client.get(url, {"datetime": date.today().isoformat()}).json()["numberMatched"]
    assert now == ServiceArea.objects.count() - ServiceArea.objects.filter(valid_to__lt=date.today()).count()
    current = ServiceArea.objects.filter(Q(valid_to=None) | Q(valid_to__gte=date.today()))  # what the layer shows
    then = current.filter(Q(valid_from=None) | Q(valid_from__lte=date(1900, 12, 31))).count()  # open start: valid
    assert client.get(url, {"datetime": "1900-01-01/1900-12-31"}).json()["numberMatched"] == then
    assert client.get(url, {"datetime": "yesterday"}).json()["code"] == "invalid_datetime"


def test_a_browser_gets_html_pages_and_a_client_json(client, registry):
    html = client.get(f"{ITEMS}?limit=3", HTTP_ACCEPT="text/html,application/xhtml+xml")
    assert html["Content-Type"].startswith("text/html") and b"<table" in html.content
    assert b"<script>" not in html.content and b"style=" not in html.content
    assert client.get(f"{ITEMS}?limit=3", HTTP_ACCEPT="application/geo+json")["Content-Type"] == "application/geo+json"
    for url in ("/ogc/", "/ogc/collections", "/ogc/collections/buildings", "/ogc/conformance",
                "/ogc/collections/buildings/queryables"):
        assert client.get(url, {"f": "html"})["Content-Type"].startswith("text/html"), url


# -- the appeals collection: staff only, scoped, no personal data -----------------------------------------------

@pytest.fixture
def appeals_world(registry):
    from appeals import services
    from tests import factories

    c = registry
    factories.category("t_leak", service_kinds=("in_house",), hours=72)
    factories.category("t_no_water", service_kinds=("water",), hours=24, is_emergency=True)
    c.dispatcher = factories.staff("disp", "dispatcher")
    c.analyst = factories.staff("analyst", "analyst")
    c.op_water = factories.staff("op_water", "provider_operator", provider=c.providers["water"])
    c.nobody = factories.staff("nobody", "no_such_role")
    b = c.buildings["druzhby:3"]
    for code in ("t_leak", "t_no_water"):
        services.register_intake(dispatcher=c.dispatcher, category=code, building=b, phone="050 765 43 21",
                                 applicant_name="Коваленко Ірина", flat="47", description="тече з даху, Коваленко")
    return c


def _token(client, user):
    from rest_framework.authtoken.models import Token

    return {"HTTP_AUTHORIZATION": f"Token {Token.objects.get_or_create(user=user)[0].key}"}


APPEALS = "/ogc/collections/appeals/items"


def test_the_appeals_collection_asks_anonymous_clients_to_sign_in_and_is_not_listed_for_them(client, appeals_world):
    r = client.get(APPEALS)
    assert r.status_code == 401 and r["WWW-Authenticate"] == "Token" and r.json()["code"] == "not_authenticated"
    assert "appeals" not in {c["id"] for c in client.get("/ogc/collections").json()["collections"]}
    assert client.get(APPEALS, **_token(client, appeals_world.nobody)).status_code == 403


def test_an_analyst_by_session_and_a_dispatcher_by_token_read_appeals_without_personal_data(client, appeals_world):
    from appeals.models import Appeal

    client.force_login(appeals_world.analyst)
    page = client.get(APPEALS).json()
    assert page["numberMatched"] == Appeal.objects.count() == 2
    assert "appeals" in {c["id"] for c in client.get("/ogc/collections").json()["collections"]}
    client.logout()
    r = client.get(APPEALS, **_token(client, appeals_world.dispatcher))
    assert r.status_code == 200 and r["Cache-Control"] == "private, no-store"
    text = r.content.decode()
    for personal in ("Коваленко", "765", "тече"):
        assert personal not in text, personal
    props = r.json()["features"][0]["properties"]
    assert set(props) == {"number", "category", "category_name", "status", "channel", "control_level",
                          "created_at", "deadline", "resolved_at", "building_id"}


def test_a_provider_operator_sees_only_the_appeals_routed_to_their_provider(client, appeals_world):
    page = client.get(APPEALS, **_token(client, appeals_world.op_water)).json()
    assert [f["properties"]["category"] for f in page["features"]] == ["t_no_water"]
    assert client.get(APPEALS, {"category": "t_leak"}, **_token(client, appeals_world.op_water)).json()[
        "numberMatched"] == 0


def test_the_one_api_schema_describes_the_ogc_paths_with_their_limit_and_error_bodies(client, registry):
    doc = client.get("/api/v1/schema", {"format": "json"}).json()
    items = doc["paths"]["/ogc/collections/{collectionId}/items"]["get"]
    limit = next(p for p in items["parameters"] if p["name"] == "limit")
    assert limit["schema"]["maximum"] == 10_000 and limit["schema"]["default"] == 1000
    assert items["responses"]["400"]["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/OgcError"
    assert "OgcError" in doc["components"]["schemas"]
