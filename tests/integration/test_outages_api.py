"""/api/v1/outages, /api/v1/lookup's outages and /api/v1/public/outages through a real client."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from appeals import services
from appeals.models import Appeal, Call, Status
from layers.categories import ensure_categories
from outages.models import Outage, OutageBuilding, OutageEvent
from tests import factories

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def _west_area() -> dict:
    lon, lat = factories.CENTRE
    return json.loads(factories.box(lon - 0.016, lat - 0.01, lon - 0.0135, lat + 0.01).json)


@pytest.fixture
def world(registry):
    ensure_categories()
    registry.dispatcher = factories.staff("disp", "dispatcher")
    registry.water_operator = factories.staff("vodo", "provider_operator", provider=registry.providers["water"])
    registry.analyst = factories.staff("ana", "analyst")
    return registry


def test_a_dispatcher_declares_an_outage_and_gets_the_affected_counts(world):
    response = client_for(world.dispatcher).post("/api/v1/outages", {
        "service_kind": "water", "provider": world.providers["water"].pk, "area": _west_area(),
        "expected_end": (timezone.now() + timezone.timedelta(hours=6)).isoformat(), "kind": "emergency",
        "note": "Пошкодження водогону"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    outage = Outage.objects.get(pk=body["id"])
    with connection.cursor() as cur:
        cur.execute("SELECT count(*), sum(residents) FROM layers_building b WHERE ST_Intersects(b.geom, %s::geometry)",
                    [outage.area.ewkt])
        count, residents = cur.fetchone()
    assert (body["affected_buildings"], body["affected_residents"]) == (count, residents) == (3, 420)
    assert body["notice"].startswith("Відоме відключення: холодне водопостачання, з ")
    assert "очікуване відновлення" in body["notice"] and body["notice"].endswith("Водоканал")
    assert [e["action"] for e in body["history"]] == ["created", "expected_end"]


def test_a_provider_operator_cannot_declare_an_outage_for_another_provider(world):
    client = client_for(world.water_operator)
    response = client.post("/api/v1/outages", {"service_kind": "in_house", "provider": world.providers["zhek1"].pk,
                                               "area": _west_area()}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "not_own_provider" and response.json()["detail"]
    assert not Outage.objects.exists()
    own = client.post("/api/v1/outages", {"service_kind": "water", "area": _west_area()}, format="json")
    assert own.status_code == 201 and Outage.objects.get().provider == world.providers["water"]
    # …nor change or resolve someone else's.
    other = client_for(world.dispatcher).post("/api/v1/outages", {
        "service_kind": "in_house", "provider": world.providers["zhek1"].pk, "area": _west_area()}, format="json")
    oid = other.json()["id"]
    assert client.patch(f"/api/v1/outages/{oid}", {"note": "x"}, format="json").status_code == 403
    assert client.post(f"/api/v1/outages/{oid}/resolve", {"note": "x"}, format="json").status_code == 403
    assert client_for(world.analyst).post("/api/v1/outages", {"service_kind": "water", "area": _west_area()},
                                          format="json").status_code == 403


@pytest.mark.parametrize(("payload", "code"), [
    ({"area": {"type": "Point", "coordinates": [37.55, 48.73]}}, "not_polygonal"),
    ({"area": {"type": "Polygon", "coordinates": []}}, "empty_area"),
    ({"area": {"type": "Polygon", "coordinates": [[[2.0, 48.0], [2.1, 48.0], [2.1, 48.1], [2.0, 48.0]]]}},
     "outside_hromada"),
    ({"buildings": [987654321]}, "unknown_building"),
    ({"buildings": []}, "empty_area"),
    ({}, "area_required"),
])
def test_bad_input_is_a_400_with_a_ukrainian_message_and_an_english_code_and_creates_nothing(world, payload, code):
    response = client_for(world.dispatcher).post("/api/v1/outages", {"service_kind": "water", **payload}, format="json")
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == code and any("\u0400" <= ch <= "\u04ff" for ch in body["detail"])
    assert not Outage.objects.exists() and not OutageBuilding.objects.exists() and not OutageEvent.objects.exists()


def test_a_self_intersecting_area_is_repaired_and_the_repair_reported(world):
    lon, lat = factories.CENTRE
    bowtie = {"type": "Polygon", "coordinates": [[[lon - 0.016, lat - 0.01], [lon - 0.013, lat + 0.01],
                                                  [lon - 0.013, lat - 0.01], [lon - 0.016, lat + 0.01],
                                                  [lon - 0.016, lat - 0.01]]]}
    response = client_for(world.dispatcher).post("/api/v1/outages", {"service_kind": "water", "area": bowtie},
                                                 format="json")
    assert response.status_code == 201
    assert response.json()["repaired"] is True and "make_valid" in response.json()["notes"][0]


def test_patch_moves_the_expected_end_with_history_and_resolve_closes_the_linked_appeals(world):
    client = client_for(world.dispatcher)
    b = world.buildings
    oid = client.post("/api/v1/outages", {"service_kind": "water", "buildings": [b["parkova:12"].pk, b["parkova:14"].pk]},
                      format="json").json()["id"]
    appeal = services.register_intake(dispatcher=world.dispatcher, category="no_cold_water", phone="0501112233",
                                      building=b["parkova:14"], outage=oid).appeal
    later = timezone.now() + timezone.timedelta(hours=3)
    patched = client.patch(f"/api/v1/outages/{oid}", {"expected_end": later.isoformat()}, format="json")
    assert patched.status_code == 200 and patched.json()["history"][-1]["action"] == "expected_end"
    assert patched.json()["history"][-1]["actor"] == "disp"
    bad = client.patch(f"/api/v1/outages/{oid}", {"expected_end": "2001-01-01T00:00:00Z"}, format="json")
    assert bad.status_code == 400 and bad.json()["code"] == "expected_end_before_start"
    resolved = client.post(f"/api/v1/outages/{oid}/resolve", {"note": "Водогін відремонтовано"}, format="json")
    assert resolved.status_code == 200 and resolved.json()["appeals_resolved"] == 1
    appeal.refresh_from_db()
    assert (appeal.status, appeal.resolution) == (Status.RESOLVED, "Водогін відремонтовано")
    assert client.post(f"/api/v1/outages/{oid}/resolve", {}, format="json").json()["code"] == "invalid_transition"
    assert client.get("/api/v1/outages/999999").status_code == 404


def test_lookup_of_a_building_lists_the_active_outages_covering_it(world):
    b = world.buildings
    services_out = client_for(world.dispatcher).post(
        "/api/v1/outages", {"service_kind": "water", "provider": world.providers["water"].pk,
                            "buildings": [b["parkova:14"].pk]}, format="json").json()
    body = APIClient().get(f"/api/v1/lookup?building={b['parkova:14'].pk}").json()
    assert [o["id"] for o in body["outages"]] == [services_out["id"]]
    assert body["outages"][0]["provider"]["name"] == "Водоканал" and body["outages"][0]["service_kinds"] == ["water"]
    assert APIClient().get(f"/api/v1/lookup?building={b['shkilna_e:4'].pk}").json()["outages"] == []


def test_public_outages_are_geojson_with_exactly_the_agreed_properties_and_no_personal_data(world):
    client = client_for(world.dispatcher)
    b = world.buildings
    active = client.post("/api/v1/outages", {"service_kind": "water", "provider": world.providers["water"].pk,
                                             "buildings": [b["parkova:14"].pk], "note": "Аварія на водогоні"},
                         format="json").json()["id"]
    start = timezone.now() + timezone.timedelta(days=2)
    planned = client.post("/api/v1/outages", {"service_kind": "water", "kind": "planned", "area": _west_area(),
                                              "started_at": start.isoformat(),
                                              "expected_end": (start + timezone.timedelta(hours=8)).isoformat()},
                          format="json").json()["id"]
    services.register_intake(dispatcher=world.dispatcher, category="no_cold_water", phone="0509998877",
                             building=b["parkova:14"], applicant_name="Петренко", flat="17", outage=active)
    from appeals import outage_services

    outage_services.link_call_to_outage(dispatcher=world.dispatcher, outage=active, phone="0671234567",
                                        subscribe_channel="email", subscribe_to="petrenko@example.org")
    response = APIClient().get("/api/v1/public/outages")
    assert response.status_code == 200
    fc = response.json()
    assert fc["type"] == "FeatureCollection"
    assert sorted(f["properties"]["id"] for f in fc["features"]) == sorted([active, planned])
    for f in fc["features"]:
        assert set(f["properties"]) == {"id", "kind", "service_kind", "service_kind_name", "provider_name", "status",
                                        "started_at", "expected_end", "public_note"}
        assert f["geometry"]["type"] == "MultiPolygon"
    text = response.content.decode()
    for secret in ("Петренко", "0509998877", "380509998877", "0671234567", "petrenko@example.org", '"17"'):
        assert secret not in text
    assert Call.objects.filter(outcome="outage_known", outage_id=active).count() == 1
    assert Appeal.objects.filter(outage_id=active).count() == 1


def test_the_outage_endpoints_are_in_the_openapi_schema_with_error_bodies(world):
    schema = client_for(world.dispatcher).get("/api/v1/schema?format=json").json()
    post = schema["paths"]["/api/v1/outages"]["post"]
    assert {"201", "400", "403"} <= set(post["responses"])
    assert "/api/v1/outages/{outage_id}/resolve" in schema["paths"]
    assert "/api/v1/public/outages" in schema["paths"]
