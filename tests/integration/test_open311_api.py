"""Open311 GeoReport v2, read side: driven with the PyPI client `georeport` against a live server, and
with Django's client for the details; XML parsed and compared with JSON; no personal data in any GET."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET

import pytest
from django.utils import timezone
from georeport import GeoReport

from appeals.models import AppealEvent, AppealRoute, RouteOutcome
from citizens.open311.attributes import ensure_attributes
from citizens.open311.selectors import w3c
from layers.categories import ensure_categories
from layers.models import Boundary
from tests import factories
from tests.integration.map_data import PERSONAL_MARKERS, appeal

pytestmark = pytest.mark.django_db


@pytest.fixture
def city(registry):
    ensure_categories()  # a transactional test (live server) flushed the seeded rows
    ensure_attributes()
    lon0, lat0 = factories.CENTRE
    Boundary.objects.create(name_uk="Тестова громада", geom=factories.box(lon0 - 0.03, lat0 - 0.02, lon0 + 0.03, lat0 + 0.02),
                            source="test", source_id="hromada")
    b = registry.buildings
    block = appeal("26-200001", building=b["parkova:14"], status="in_progress", category="no_cold_water")
    AppealRoute.objects.create(appeal=block, service_kind_id="water", provider=registry.providers["water"],
                               outcome=RouteOutcome.ASSIGNED, created_at=block.created_at)
    house = appeal("26-200002", building=b["shkilna_e:4"], status="resolved", age_days=2)
    road = appeal("26-200003", lon=37.54123, lat=48.73456, category="road_damage", age_days=3)
    appeal("26-200004", building=b["druzhby:3"], category="consultation")
    old = appeal("26-200005", building=b["myru:5"], status="closed", age_days=120)
    AppealEvent.objects.create(appeal=block, at=timezone.now() - dt.timedelta(hours=2), action="status",
                               from_status="sent", to_status="in_progress", note="Дзвонила Шевченко-Приватна")
    return {"registry": registry, "block": block, "house": house, "road": road, "old": old}


def _json(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, (url, response.content[:300])
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return response.json()


def _xml(client, url: str) -> ET.Element:
    response = client.get(url)
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.content)


def _xml_value(v) -> object:
    """What a JSON value looks like once written as XML text."""
    if isinstance(v, list):
        return [_xml_value(x) for x in v]
    if isinstance(v, dict):
        return {k: _xml_value(x) for k, x in v.items()}
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


_LISTS = {"attributes", "values", "endpoints", "formats"}


def _element(e: ET.Element):
    if e.tag in _LISTS:
        return [_element(c) for c in e]
    if len(e):
        return {c.tag: _element(c) for c in e}
    return e.text or ""


def test_the_georeport_client_reads_services_and_a_definition_in_json_and_xml(live_server, city):
    for fmt in ("json", "xml"):
        client = GeoReport(f"{live_server.url}/open311/v2", jurisdiction="kramatorsk.gov.ua", output_format=fmt)
        services = client.get_service_list()
        codes = [s["service_code"] for s in services]
        assert "no_cold_water" in codes and "lift_stuck" in codes
        assert "consultation" not in codes  # not a public category
        lift = next(s for s in services if s["service_code"] == "lift_stuck")
        assert lift["service_name"] == "Застряг ліфт"
        assert lift["type"] == "realtime" and lift["metadata"] in (True, "true")
        assert set(lift) == {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
        definition = client.get_service_definition("lift_stuck")
        attributes = definition["attributes"] if fmt == "json" else definition["attributes"]["attribute"]
        people = attributes[0]
        assert people["code"] == "people_inside" and people["datatype"] == "singlevaluelist"
        assert people["required"] in (True, "true") and str(people["order"]) == "1"
        values = people["values"] if fmt == "json" else people["values"]["value"]
        assert [v["key"] for v in values] == ["yes", "no"]
        assert [a["datatype"] for a in attributes] == ["singlevaluelist", "number", "number"]


def _rows(value) -> list:
    return value if isinstance(value, list) else [value]


def test_the_georeport_client_lists_requests_and_reads_one_in_json_and_xml(live_server, city):
    for fmt in ("json", "xml"):
        client = GeoReport(f"{live_server.url}/open311/v2", output_format=fmt)
        rows = client.get_service_requests()
        numbers = [r["service_request_id"] for r in rows]
        # Newest first, the last 90 days, public categories only.
        assert numbers == ["26-200001", "26-200002", "26-200003"]
        one = client.get_service_request("26-200001")
        assert one["status"] == "open" and one["status_notes"] == "у роботі"
        assert one["agency_responsible"] == "Водоканал"
        assert one["service_code"] == "no_cold_water" and one["address"] == "вулиця Паркова, 14"
        assert float(one["lat"]) == pytest.approx(city["block"].point.y, abs=1e-6)
        assert float(one["long"]) == pytest.approx(city["block"].point.x, abs=1e-6)
        # xmltodict (the client's XML reader) gives one element as a dict, several as a list.
        closed = _rows(client.get_service_requests(status="closed"))
        assert [r["service_request_id"] for r in closed] == ["26-200002"]
        # 26-200005 was filed 120 days ago: outside the public window, archive, as on /track/ by number alone.
        closed = _rows(client.get_service_requests(service_request_id="26-200002,26-200005"))
        assert [r["service_request_id"] for r in closed] == ["26-200002"]


def test_xml_and_json_carry_the_same_content_for_every_get(client, city):
    paths = ["/open311/discovery", "/open311/v2/services", "/open311/v2/services/lift_stuck",
             "/open311/v2/services/garbage", "/open311/v2/requests", "/open311/v2/requests/26-200002",
             "/open311/v2/requests?status=open&service_code=no_cold_water,road_damage",
             "/open311/v2/servicerequestupdates", "/open311/v2/services/nope", "/open311/v2/requests/26-999999",
             "/open311/v2/requests?start_date=2020-01-01T00:00:00Z"]
    for path in paths:
        base, _, query = path.partition("?")
        suffix = ("?" + query) if query else ""
        j = client.get(f"{base}.json{suffix}")
        x = client.get(f"{base}.xml{suffix}")
        assert j.status_code == x.status_code, path
        root = ET.fromstring(x.content)
        content = j.json()
        if isinstance(content, list):
            assert [_element(c) for c in root] == _xml_value(content), path
        else:
            assert {c.tag: _element(c) for c in root} == _xml_value(content), path
    # The roots and items the spec names.
    assert _xml(client, "/open311/v2/services.xml").tag == "services"
    assert [e.tag for e in _xml(client, "/open311/v2/requests.xml")] == ["request"] * 3
    assert _xml(client, "/open311/v2/services/lift_stuck.xml").tag == "service_definition"
    errors = _xml(client, "/open311/v2/services/nope.xml")
    assert errors.tag == "errors" and errors[0].tag == "error"
    assert errors[0].find("code").text == "service_code_not_found"


def test_no_get_carries_a_name_a_phone_an_email_a_flat_or_the_residents_text(client, city):
    urls = ["/open311/v2/requests", "/open311/v2/servicerequestupdates",
            "/open311/v2/requests?start_date=2026-01-01T00:00:00Z&end_date=2026-03-31T00:00:00Z",
            *[f"/open311/v2/requests/26-20000{i}" for i in range(1, 6)]]
    old = city["old"].created_at
    urls.append(f"/open311/v2/requests?start_date={(old - dt.timedelta(days=1)).isoformat().replace('+', '%2B')}"
                f"&end_date={(old + dt.timedelta(days=1)).isoformat().replace('+', '%2B')}")
    seen = 0
    for url in urls:
        for fmt in ("json", "xml"):
            base, _, query = url.partition("?")
            response = client.get(f"{base}.{fmt}" + (f"?{query}" if query else ""))
            text = response.content.decode()
            if fmt == "json":
                text = json.dumps(json.loads(text), ensure_ascii=False)
            for marker in (*PERSONAL_MARKERS, "вул. Паркова, 12, кв.", "Дзвонила"):
                assert marker not in text, (marker, url, fmt)
            seen += response.status_code == 200
    assert seen >= 14


def test_a_private_house_and_a_pin_are_at_street_level_and_a_block_at_its_building(client, city):
    rows = {r["service_request_id"]: r for r in _json(client, "/open311/v2/requests.json")}
    house, block, road = rows["26-200002"], rows["26-200001"], rows["26-200003"]
    assert house["address"] == "вулиця Шкільна" and house["address_id"] is None
    hp = city["house"].building.point
    assert (house["long"], house["lat"]) != (round(hp.x, 6), round(hp.y, 6))
    # Street level by appeals.precision: within a 250 m grid cell (and the way onto the street's axis).
    assert abs(house["long"] - hp.x) < 0.004 and abs(house["lat"] - hp.y) < 0.003
    assert block["address_id"] == str(city["block"].building_id)
    assert block["requested_datetime"] == w3c(city["block"].created_at)  # Kyiv time with its offset
    assert block["expected_datetime"] == w3c(city["block"].deadline)
    assert (road["long"], road["lat"]) != (37.54123, 48.73456)  # never the pin itself
    assert road["address"] is None and road["status"] == "open"


def test_requests_default_to_the_last_90_days_and_refuse_a_longer_span(client, city):
    assert "26-200005" not in {r["service_request_id"] for r in _json(client, "/open311/v2/requests.json")}
    old = city["old"].created_at.astimezone(dt.UTC)
    start, end = (old - dt.timedelta(days=10)), (old + dt.timedelta(days=10))
    url = f"/open311/v2/requests.json?start_date={start:%Y-%m-%dT%H:%M:%SZ}&end_date={end:%Y-%m-%dT%H:%M:%SZ}"
    assert _json(client, url) == []  # older than the public window: the archive is not walked through Open311


def test_an_appeal_older_than_the_public_window_is_archive_by_number_and_in_updates(client, city, settings):
    from appeals.models import AppealEvent

    assert client.get("/open311/v2/requests/26-200005.json").status_code == 404
    AppealEvent.objects.create(appeal=city["old"], at=timezone.now() - dt.timedelta(minutes=30), action="status",
                               from_status="resolved", to_status="closed")
    since = (timezone.now() - dt.timedelta(hours=1)).astimezone(dt.UTC)
    url = f"/open311/v2/servicerequestupdates.json?start_date={since:%Y-%m-%dT%H:%M:%SZ}"
    assert "26-200005" not in {r["service_request_id"] for r in _json(client, url)}
    settings.PUBLIC_MAP_WINDOW_DAYS = 200  # a city with a longer public window publishes it
    assert _json(client, "/open311/v2/requests/26-200005.json")[0]["status"] == "closed"
    assert "26-200005" in {r["service_request_id"] for r in _json(client, url)}
    response = client.get("/open311/v2/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-05-01T00:00:00Z")
    assert response.status_code == 400
    assert response.json() == [{"code": "date_range_too_long", "description": "між start_date і end_date не більше 90 днів"}]
    bad = client.get("/open311/v2/requests.xml?start_date=вчора")
    assert bad.status_code == 400 and ET.fromstring(bad.content)[0].find("code").text == "start_date_invalid"


def test_requests_filter_by_code_and_status_and_page_through(client, city):
    assert [r["service_request_id"] for r in _json(client, "/open311/v2/requests.json?service_code=road_damage")] == [
        "26-200003"]
    assert [r["service_request_id"] for r in _json(client, "/open311/v2/requests.json?status=open")] == [
        "26-200001", "26-200003"]
    pages = [[r["service_request_id"] for r in _json(client, f"/open311/v2/requests.json?page_size=2&page={p}")]
             for p in (1, 2, 3)]
    assert pages == [["26-200001", "26-200002"], ["26-200003"], []]
    assert client.get("/open311/v2/requests.json?page_size=1001").status_code == 400
    assert client.get("/open311/v2/requests.json?status=pending").json()[0]["code"] == "status_invalid"


def test_unknown_ids_codes_and_jurisdictions_get_the_spec_404_in_the_format_asked(client, city):
    for url, code in [("/open311/v2/requests/26-999999", "service_request_not_found"),
                      ("/open311/v2/requests/26-200004", "service_request_not_found"),  # consultation: not public
                      ("/open311/v2/services/consultation", "service_code_not_found"),
                      ("/open311/v2/tokens/no-such-token", "token_not_found"),
                      ("/open311/v2/services?jurisdiction_id=kyiv.gov.ua", "jurisdiction_not_found")]:
        base, _, query = url.partition("?")
        for fmt in ("json", "xml"):
            response = client.get(f"{base}.{fmt}" + (f"?{query}" if query else ""))
            assert response.status_code == 404, url
            if fmt == "json":
                (error,) = response.json()
                assert error["code"] == code and error["description"]
            else:
                root = ET.fromstring(response.content)
                assert root.tag == "errors" and root[0].find("code").text == code
    assert client.get("/open311/v2/services.json?jurisdiction_id=kramatorsk.gov.ua").status_code == 200


def test_discovery_names_the_v2_endpoint_and_both_formats(client, city):
    d = _json(client, "/open311/discovery.json")
    (endpoint,) = d["endpoints"]
    assert endpoint["url"] == "http://testserver/open311/v2/"
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert d["changeset"] and d["contact"] and d["key_service"]


def test_updates_list_status_changes_since_a_time_oldest_first(client, city):
    since = (timezone.now() - dt.timedelta(hours=3)).astimezone(dt.UTC)
    rows = _json(client, f"/open311/v2/servicerequestupdates.json?start_date={since:%Y-%m-%dT%H:%M:%SZ}")
    assert [(r["service_request_id"], r["status"], r["external_status_code"]) for r in rows] == [
        ("26-200001", "in_progress", "in_progress")]
    assert rows[0]["description"] == "у роботі"  # the status in words, never the note typed
    root = _xml(client, f"/open311/v2/servicerequestupdates.xml?start_date={since:%Y-%m-%dT%H:%M:%SZ}")
    assert root.tag == "service_requests_updates" and root[0].tag == "request_update"
    assert root[0].find("update_id").text == rows[0]["update_id"]
    later = (timezone.now() - dt.timedelta(hours=1)).astimezone(dt.UTC)
    assert _json(client, f"/open311/v2/servicerequestupdates.json?start_date={later:%Y-%m-%dT%H:%M:%SZ}") == []


def test_the_openapi_schema_documents_every_open311_path_in_both_formats(client, city):
    schema = client.get("/api/v1/schema", HTTP_ACCEPT="application/json").json()
    for fmt in ("json", "xml"):
        for path in ("/open311/discovery", "/open311/v2/services", "/open311/v2/services/{service_code}",
                     "/open311/v2/requests", "/open311/v2/requests/{service_request_id}", "/open311/v2/tokens/{token}",
                     "/open311/v2/servicerequestupdates"):
            assert f"{path}.{fmt}" in schema["paths"], (path, fmt)
    post = schema["paths"]["/open311/v2/requests.json"]["post"]
    assert set(post["responses"]) == {"201", "400", "403", "404", "429"}
    assert "application/x-www-form-urlencoded" in post["requestBody"]["content"]


def test_media_url_is_given_only_for_a_photo_a_dispatcher_approved(client, city):
    from appeals.models import AppealPhoto

    now = timezone.now()
    AppealPhoto.objects.create(appeal=city["block"], file="appeals/photos/ab/abcd.jpg", sha256="ab" * 32,
                               approved=True, created_at=now)
    AppealPhoto.objects.create(appeal=city["house"], file="appeals/photos/cd/cdef.jpg", sha256="cd" * 32,
                               approved=False, created_at=now)
    rows = {r["service_request_id"]: r for r in _json(client, "/open311/v2/requests.json")}
    photo = AppealPhoto.objects.get(appeal=city["block"])
    assert rows["26-200001"]["media_url"].endswith(f"/photos/{photo.pk}.jpg")  # the citizens' photo view
    assert rows["26-200002"]["media_url"] is None
    assert _json(client, "/open311/v2/requests/26-200002.json")[0]["media_url"] is None
