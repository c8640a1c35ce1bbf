"""/api/v1/appeals through real clients: token and session auth, roles, scoping, locking, personal data."""

import json

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from appeals import services
from appeals.models import Appeal, Status
from tests import factories

URL = "/api/v1/appeals"


@pytest.fixture
def world(registry):
    c = registry
    c.cat = factories.category("t_leak", service_kinds=("in_house",), hours=72)
    c.cat_water = factories.category("t_no_water", service_kinds=("water",), hours=24, is_emergency=True)
    c.dispatcher = factories.staff("disp", "dispatcher")
    c.op_zhek = factories.staff("op_zhek", "provider_operator", provider=c.providers["zhek1"])
    c.op_water = factories.staff("op_water", "provider_operator", provider=c.providers["water"])
    c.analyst = factories.staff("analyst", "analyst")
    return c


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def session_client(user) -> APIClient:
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def file_appeal(w, **extra) -> dict:
    body = {"category": "t_leak", "building": w.buildings["druzhby:3"].pk, "phone": "050 765 43 21",
            "applicant_name": "Коваленко Ірина", "flat": "47", "description": "тече з даху", "channel": "phone"}
    body.update(extra)
    response = token_client(w.dispatcher).post(URL, body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_a_dispatcher_files_an_appeal_by_token_and_gets_the_number_routes_and_deadline(world):
    data = file_appeal(world)
    assert data["number"].startswith("26-") and data["status"] == "sent"
    assert data["routes"][0]["provider_name"] == "ЖЕК-1" and data["routes"][0]["reason"]
    assert data["applicant_phone"] == "+380507654321" and data["deadline"]


def test_the_same_idempotency_key_header_returns_the_first_appeal_with_200(world):
    client = token_client(world.dispatcher)
    body = {"category": "t_leak", "building": world.buildings["druzhby:3"].pk}
    first = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="form-77")
    again = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="form-77")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["number"] == first.json()["number"] and again.json()["replayed"] is True
    assert Appeal.objects.count() == 1


def test_intake_refuses_an_unknown_category_and_a_missing_place_with_400(world):
    client = token_client(world.dispatcher)
    assert client.post(URL, {"category": "nope", "building": world.buildings["druzhby:3"].pk},
                       format="json").status_code == 400
    response = client.post(URL, {"category": "t_leak"}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "AddressNotFound"


def test_only_dispatchers_file_appeals_and_anonymous_users_get_nothing(world):
    body = {"category": "t_leak", "building": world.buildings["druzhby:3"].pk}
    assert token_client(world.op_zhek).post(URL, body, format="json").status_code == 403
    assert token_client(world.analyst).post(URL, body, format="json").status_code == 403
    assert APIClient().get(URL).status_code in (401, 403)
    assert APIClient().post(URL, body, format="json").status_code in (401, 403)


def test_the_list_is_paginated_and_filtered(world):
    numbers = [file_appeal(world)["number"] for _ in range(3)]
    file_appeal(world, category="t_no_water")
    client = token_client(world.dispatcher)
    page = client.get(URL, {"page_size": 2, "category": "t_leak"}).json()
    assert page["count"] == 3 and len(page["results"]) == 2 and page["next"]
    assert client.get(URL, {"number": numbers[1]}).json()["results"][0]["number"] == numbers[1]
    assert client.get(URL, {"phone": "0507654321"}).json()["count"] == 4
    assert client.get(URL, {"status": "sent,accepted"}).json()["count"] == 4
    assert client.get(URL, {"status": "closed"}).json()["count"] == 0
    assert client.get(URL, {"created_from": "yesterday"}).status_code == 400


def test_the_whole_life_of_an_appeal_through_the_api_with_session_and_token(world):
    number = file_appeal(world)["number"]
    op = session_client(world.op_zhek)
    op.handler.enforce_csrf_checks = False  # DRF's SessionAuthentication still checks CSRF: shown below
    status_url = f"{URL}/{number}/status"

    def move(client, to, version, **kw):
        response = client.post(status_url, {"to": to, "version": version, **kw}, format="json")
        assert response.status_code == 200, response.content
        return response.json()["version"]

    v = move(op, "accepted", 1)
    v = move(op, "in_progress", v, note="бригада виїхала")
    v = move(op, "resolved", v, resolution="закладено тріщину")
    disp = token_client(world.dispatcher)
    v = move(disp, "confirmed", v, rating=4)
    move(disp, "closed", v)
    detail = disp.get(f"{URL}/{number}").json()
    assert detail["status"] == "closed" and detail["rating"] == 4
    assert [(e["from_status"], e["to_status"]) for e in detail["history"] if e["action"] == "status"][1:] == [
        ("sent", "accepted"), ("accepted", "in_progress"), ("in_progress", "resolved"), ("resolved", "confirmed"),
        ("confirmed", "closed")]


def test_a_session_post_without_a_csrf_token_is_refused(world):
    number = file_appeal(world)["number"]
    response = session_client(world.op_zhek).post(f"{URL}/{number}/status", {"to": "accepted", "version": 1},
                                                  format="json")
    assert response.status_code == 403
    assert Appeal.objects.get(number=number).status == Status.SENT


def test_a_stale_version_gets_409_and_an_invalid_transition_400_with_a_message(world):
    number = file_appeal(world)["number"]
    op = token_client(world.op_zhek)
    assert op.post(f"{URL}/{number}/status", {"to": "accepted", "version": 1}, format="json").status_code == 200
    stale = op.post(f"{URL}/{number}/status", {"to": "rejected", "version": 1, "reason": "x"}, format="json")
    assert stale.status_code == 409 and stale.json()["code"] == "Conflict"
    invalid = op.post(f"{URL}/{number}/status", {"to": "closed", "version": 2}, format="json")
    assert invalid.status_code == 400 and "неможливий" in invalid.json()["detail"]
    no_reason = op.post(f"{URL}/{number}/status", {"to": "rejected", "version": 2}, format="json")
    assert no_reason.status_code == 400 and no_reason.json()["code"] == "MissingField"


def test_an_operator_gets_404_for_another_providers_appeal_by_every_api_route(world):
    water = file_appeal(world, category="t_no_water")["number"]
    leak = file_appeal(world)["number"]
    op = token_client(world.op_zhek)
    assert op.get(f"{URL}/{water}").status_code == 404
    assert op.post(f"{URL}/{water}/status", {"to": "accepted", "version": 1}, format="json").status_code == 404
    assert [a["number"] for a in op.get(URL).json()["results"]] == [leak]
    assert op.get(URL, {"number": water}).json()["count"] == 0
    assert op.get(URL, {"provider": world.providers["water"].pk}).json()["count"] == 0
    assert op.get(f"{URL}/duplicates", {"category": "t_no_water",
                                        "building": world.buildings["druzhby:3"].pk}).json() == []
    assert Appeal.objects.get(number=water).status == Status.SENT
    # The water operator sees it.
    assert token_client(world.op_water).get(f"{URL}/{water}").status_code == 200


def test_an_analyst_sees_no_names_phones_or_flats_anywhere_in_the_answers(world):
    number = file_appeal(world, address_text="вул. Дружби 3, кв. 47")["number"]
    assert "кв. 47" in Appeal.objects.get(number=number).address_text  # stored for staff
    services.register_intake(dispatcher=world.dispatcher, category="t_leak", phone="0631234567",
                             link_to_appeal=number, description="Марія з 12 теж дзвонила")
    analyst = token_client(world.analyst)
    listing = analyst.get(URL)
    detail = analyst.get(f"{URL}/{number}")
    assert listing.status_code == detail.status_code == 200
    for body in (listing.content.decode(), detail.content.decode()):
        for secret in ("Коваленко", "765", "0631234567", "380507654321", '"47"', "applicant", "flat", '"phone":',
                       "тече з даху", "Марія з 12", "кв. 47"):
            assert secret not in body, secret
    assert json.loads(detail.content)["number"] == number
    assert analyst.get(URL, {"phone": "0507654321"}).status_code == 403
    assert analyst.post(f"{URL}/{number}/status", {"to": "cancelled", "version": 1, "reason": "x"},
                        format="json").status_code == 403


def test_a_dispatcher_adds_a_call_to_a_likely_duplicate_offered_by_the_api(world):
    number = file_appeal(world)["number"]
    client = token_client(world.dispatcher)
    offered = client.get(f"{URL}/duplicates", {"category": "t_leak", "building": world.buildings["druzhby:3"].pk})
    assert [a["number"] for a in offered.json()] == [number]
    linked = client.post(URL, {"category": "t_leak", "phone": "0671234567", "link_to_appeal": number}, format="json")
    assert linked.status_code == 200 and linked.json()["number"] == number and linked.json()["created"] is False
    assert Appeal.objects.count() == 1


def test_the_openapi_schema_describes_the_appeals_api(world):
    response = APIClient().get("/api/v1/schema", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"/api/v1/appeals", "/api/v1/appeals/{number}", "/api/v1/appeals/{number}/status"} <= set(paths)
    assert "409" in paths["/api/v1/appeals/{number}/status"]["post"]["responses"]


def test_reject_reroute_extend_and_plan_through_the_api_with_the_same_roles_and_locking(world):
    number = file_appeal(world)["number"]
    op, disp = token_client(world.op_zhek), token_client(world.dispatcher)
    v = op.post(f"{URL}/{number}/status", {"to": "rejected", "version": 1, "reason": "не наш будинок"},
                format="json").json()["version"]
    assert op.post(f"{URL}/{number}/reroute", {"version": v}, format="json").status_code == 404  # no longer held
    rerouted = disp.post(f"{URL}/{number}/reroute",
                         {"version": v, "providers": {"in_house": world.providers["osbb"].pk}, "note": "ОСББ"},
                         format="json")
    assert rerouted.status_code == 200 and rerouted.json()["status"] == "sent"
    assert [r["provider_name"] for r in rerouted.json()["routes"]] == ["ОСББ «Паркова 12»"]
    v = rerouted.json()["version"]
    assert disp.post(f"{URL}/{number}/reroute", {"version": v - 1}, format="json").status_code == 409
    too_far = disp.post(f"{URL}/{number}/extend", {"version": v, "deadline": "2099-06-01T12:00:00+03:00",
                                                  "reason": "ремонт"}, format="json")
    assert too_far.status_code == 400 and "45" in too_far.json()["detail"]
    no_reason = disp.post(f"{URL}/{number}/extend", {"version": v, "deadline": "2099-01-01T12:00:00+02:00",
                                                    "reason": ""}, format="json")
    assert no_reason.status_code == 400
    assert disp.post(f"{URL}/{number}/plan", {"version": v, "plan_date": "2099-01-01"},
                     format="json").status_code == 403
    supervisor = token_client(factories.staff("sup", "supervisor"))
    planned = supervisor.post(f"{URL}/{number}/plan", {"version": v, "plan_date": "2099-01-01", "note": "план"},
                              format="json")
    assert planned.status_code == 200 and planned.json()["plan_date"] == "2099-01-01"
