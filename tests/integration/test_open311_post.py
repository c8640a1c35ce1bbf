"""Open311 POST requests as FixMyStreet's Open311 client sends them (form-encoded, over HTTP to a live server),
the spec's errors, tokens for held categories, keys (manage.py open311_keys) and the rate limit per key."""

from __future__ import annotations

import hashlib
import io
import xml.etree.ElementTree as ET

import pytest
import requests
from django.core.management import call_command

from appeals.models import Appeal
from citizens.open311.attributes import ensure_attributes
from citizens.open311.models import ApiKey, Submission
from layers.categories import ensure_categories
from layers.models import Boundary, Category
from tests import factories

pytestmark = pytest.mark.django_db


def _add_key(name: str, *extra: str) -> str:
    out = io.StringIO()
    call_command("open311_keys", "add", name, *extra, stdout=out, stderr=io.StringIO())
    return out.getvalue().strip()


@pytest.fixture
def city(registry):
    ensure_categories()
    ensure_attributes()
    lon0, lat0 = factories.CENTRE
    Boundary.objects.create(name_uk="Тестова громада", geom=factories.box(lon0 - 0.03, lat0 - 0.02, lon0 + 0.03, lat0 + 0.02),
                            source="test", source_id="hromada")
    return registry


@pytest.fixture
def key(city):
    return _add_key("fixmystreet")


def _fms_form(key: str, **over) -> dict:
    """The fields FixMyStreet's perllib/Open311.pm sends for a report (extended description, attributes)."""
    b = factories.CENTRE
    form = {
        "api_key": key, "jurisdiction_id": "kramatorsk.gov.ua", "service_code": "lift_stuck",
        "description": "Ліфт застряг між поверхами\n\nЛюди всередині, дзвонять у диспетчерську\n\nhttps://fms.example/report/77\n",
        "first_name": "Олена", "last_name": "Шевченко-Приватна", "email": "olena.private@example.com",
        "phone": "+380509998877", "lat": f"{b[1] + 0.004:.6f}", "long": f"{b[0] - 0.014:.6f}",
        "media_url": "https://fms.example/photo/77.full.jpeg",
        "attribute[people_inside]": "yes", "attribute[floor]": "5",
        "attribute[fixmystreet_id]": "77", "attribute[title]": "Ліфт застряг", "attribute[report_url]": "https://fms.example/report/77",
    }
    form.update(over)
    return {k: v for k, v in form.items() if v is not None}


def _post(live_server, form: dict, fmt: str = "xml") -> requests.Response:
    return requests.post(f"{live_server.url}/open311/v2/requests.{fmt}", data=form, timeout=30)


def _errors(response: requests.Response) -> list[str]:
    root = ET.fromstring(response.content)
    assert root.tag == "errors"
    return [e.find("code").text for e in root]


def test_a_fixmystreet_post_files_an_open311_appeal_at_the_building_with_the_keys_name(live_server, key, city):
    response = _post(live_server, _fms_form(key))
    assert response.status_code == 201, response.text
    assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
    request = ET.fromstring(response.content).find("request")
    number = request.find("service_request_id").text
    assert number and "Строк виконання" in request.find("service_notice").text
    appeal = Appeal.objects.get(number=number)
    assert appeal.channel == "open311"
    assert appeal.building_id == city.buildings["parkova:14"].pk  # the pin is on Паркова, 14
    assert appeal.applicant_phone == "+380509998877" and appeal.applicant_name == "Олена Шевченко-Приватна"
    assert "На якому поверсі зупинився ліфт? 5" in appeal.description and "Чи є люди в ліфті? так" in appeal.description
    assert appeal.events.filter(data__source="fixmystreet").exists()  # the key's name on the appeal
    submission = Submission.objects.get(appeal=appeal)
    assert submission.api_key.name == "fixmystreet"
    assert submission.attributes["fixmystreet_id"] == ["77"]
    assert submission.media_urls == ["https://fms.example/photo/77.full.jpeg"]
    # FixMyStreet then reads it back: public fields only.
    back = requests.get(f"{live_server.url}/open311/v2/requests/{number}.xml", timeout=30)
    assert back.status_code == 200
    for private in ("Шевченко", "+380509998877", "olena.private", "Люди всередині"):
        assert private not in back.text


def test_a_retried_post_with_the_same_fixmystreet_id_returns_the_first_appeal(live_server, key, city):
    first = _post(live_server, _fms_form(key), fmt="json")
    again = _post(live_server, _fms_form(key), fmt="json")
    assert first.status_code == again.status_code == 201
    assert first.json()[0]["service_request_id"] == again.json()[0]["service_request_id"]
    assert Appeal.objects.filter(channel="open311").count() == 1


def test_an_address_id_or_an_address_string_places_the_appeal_at_our_building(live_server, key, city):
    by_id = _post(live_server, _fms_form(key, lat=None, long=None, address_id=str(city.buildings["myru:5"].pk),
                                         **{"attribute[fixmystreet_id]": "78"}), fmt="json")
    assert by_id.status_code == 201, by_id.text
    assert Appeal.objects.get(number=by_id.json()[0]["service_request_id"]).building_id == city.buildings["myru:5"].pk
    by_text = _post(live_server, _fms_form(key, lat=None, long=None, address_string="вул. Паркова, 12",
                                           **{"attribute[fixmystreet_id]": "79"}), fmt="json")
    assert by_text.status_code == 201, by_text.text
    assert Appeal.objects.get(number=by_text.json()[0]["service_request_id"]).building_id == city.buildings["parkova:12"].pk


def test_a_bad_or_revoked_key_gets_403_and_nothing_is_filed(live_server, key, city):
    assert _post(live_server, _fms_form("o311_not-a-key")).status_code == 403
    assert _errors(_post(live_server, _fms_form("o311_not-a-key"))) == ["api_key_invalid"]
    assert _errors(_post(live_server, _fms_form(None))) == ["api_key_missing"]
    call_command("open311_keys", "revoke", "fixmystreet", stdout=io.StringIO())
    response = _post(live_server, _fms_form(key), fmt="json")
    assert response.status_code == 403 and response.json()[0]["code"] == "api_key_revoked"
    assert not Appeal.objects.filter(channel="open311").exists()


def test_missing_service_code_location_outside_the_hromada_and_unknown_address_id_get_the_specs_errors(
        live_server, key, city):
    cases = [
        (_fms_form(key, service_code=None), 400, "service_code_missing"),
        (_fms_form(key, service_code="no_such_service"), 404, "service_code_not_found"),
        (_fms_form(key, lat="50.4501", long="30.5234"), 400, "location_outside_jurisdiction"),  # Kyiv
        (_fms_form(key, lat=None, long=None), 400, "location_missing"),
        (_fms_form(key, lat=None, long=None, address_id="99999999"), 404, "address_id_not_found"),
        (_fms_form(key, **{"attribute[people_inside]": None}), 400, "attribute_required"),
        (_fms_form(key, **{"attribute[people_inside]": "maybe"}), 400, "attribute_invalid"),
        (_fms_form(key, **{"attribute[floor]": "п'ятий"}), 400, "attribute_invalid"),
        (_fms_form(key, jurisdiction_id="kyiv.gov.ua"), 404, "jurisdiction_not_found"),
    ]
    for form, status, code in cases:
        for fmt in ("xml", "json"):
            response = _post(live_server, form, fmt=fmt)
            assert response.status_code == status, (code, response.text)
            got = _errors(response) if fmt == "xml" else [e["code"] for e in response.json()]
            assert got[0] == code, (code, got)
    assert not Appeal.objects.filter(channel="open311").exists()


def test_a_held_category_answers_a_token_that_gives_the_number_once_a_dispatcher_checked_it(live_server, key, city):
    Category.objects.filter(code="lift_stuck").update(online_review_required=True)
    response = _post(live_server, _fms_form(key), fmt="json")
    assert response.status_code == 201, response.text
    (row,) = response.json()
    assert "service_request_id" not in row and row["token"]
    token = requests.get(f"{live_server.url}/open311/v2/tokens/{row['token']}.xml", timeout=30)
    request = ET.fromstring(token.content).find("request")
    assert request.find("token").text == row["token"] and request.find("service_request_id").text is None
    appeal = Appeal.objects.get(open311_submission__token=row["token"])
    # Not public while held.
    assert requests.get(f"{live_server.url}/open311/v2/requests/{appeal.number}.json", timeout=30).status_code == 404
    Appeal.objects.filter(pk=appeal.pk).update(needs_review=False)  # the dispatcher's check
    token = requests.get(f"{live_server.url}/open311/v2/tokens/{row['token']}.json", timeout=30).json()
    assert token == [{"service_request_id": appeal.number, "token": row["token"]}]


def test_a_key_over_its_rate_limit_gets_429_with_retry_after(live_server, city):
    key = _add_key("city-app", "--rate", "2")
    for i in range(2):
        assert _post(live_server, _fms_form(key, **{"attribute[fixmystreet_id]": f"r{i}"})).status_code == 201
    response = _post(live_server, _fms_form(key, **{"attribute[fixmystreet_id]": "r9"}))
    assert response.status_code == 429 and _errors(response) == ["rate_limited"]
    assert int(response.headers["Retry-After"]) >= 1


def test_open311_keys_prints_a_key_once_and_stores_only_its_digest(city):
    key = _add_key("mark-a-spot", "--note", "тест")
    stored = ApiKey.objects.get(name="mark-a-spot")
    assert stored.digest == hashlib.sha256(key.encode()).hexdigest()
    assert key not in {stored.prefix, stored.digest, stored.note} and key.startswith(stored.prefix)
    listing = io.StringIO()
    call_command("open311_keys", "list", stdout=listing)
    assert "mark-a-spot" in listing.getvalue() and key not in listing.getvalue()
    call_command("open311_keys", "revoke", "mark-a-spot", stdout=io.StringIO())
    assert ApiKey.objects.get(name="mark-a-spot").revoked_at is not None


def test_a_key_made_in_the_admin_is_shown_once_and_stored_as_a_digest(client, city, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.com", None)
    client.force_login(admin)
    response = client.post("/admin/open311/apikey/add/", {"name": "seeclickfix", "note": "", "rate_limit_per_minute": ""},
                           follow=True)
    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"]]
    (message,) = [m for m in shown if "o311_" in m]
    key = message.split(": ", 1)[1].split(" ", 1)[0]
    stored = ApiKey.objects.get(name="seeclickfix")
    assert stored.digest == hashlib.sha256(key.encode()).hexdigest()
    page = client.get(f"/admin/open311/apikey/{stored.pk}/change/").content.decode()
    assert key not in page and stored.prefix in page
