"""The interface is Ukrainian whatever the browser asks for; the switch in the header changes it."""

import pytest
from django.contrib.auth.models import User

pytestmark = pytest.mark.django_db

ENGLISH_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}


@pytest.fixture
def admin_client(client):
    user = User.objects.create_superuser("root-admin", "root@example.org", "Довгий-пароль-2026")
    client.force_login(user)
    return client


def test_admin_changelist_title_is_ukrainian_for_an_english_browser(admin_client):
    page = admin_client.get("/admin/layers/building/", **ENGLISH_BROWSER).content.decode()
    assert "<title>Виберіть будинок щоб змінити" in page
    assert "Select будинок" not in page


def test_admin_index_heading_names_the_site_not_the_data_attribution(admin_client):
    page = admin_client.get("/admin/", **ENGLISH_BROWSER).content.decode()
    assert "Реєстр міста і звернення" in page
    assert "<h1>Демо-місто" not in page


def test_the_language_switch_keeps_english_in_a_cookie_and_back(client):
    r = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert r.status_code == 302 and r.cookies["ecity_language"].value == "en"
    assert client.get("/accounts/login/").headers["Content-Language"] == "en"
    client.post("/i18n/setlang/", {"language": "uk", "next": "/"})
    assert client.get("/accounts/login/", **ENGLISH_BROWSER).headers["Content-Language"] == "uk"


def test_drf_refusals_are_ukrainian_with_an_english_code(client):
    r = client.get("/api/v1/appeals", **ENGLISH_BROWSER)
    assert r.status_code in (401, 403)
    body = r.json()
    assert body["code"] in ("not_authenticated", "permission_denied")
    assert any("\u0400" <= ch <= "\u04ff" for ch in body["detail"]), body


def test_a_serializer_error_names_each_field_in_ukrainian(client):
    r = client.get("/api/v1/reverse", {"lon": "abc", "lat": "48.7"}, **ENGLISH_BROWSER)
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == "invalid" and "lon" in body["errors"]
    assert any("\u0400" <= ch <= "\u04ff" for ch in body["errors"]["lon"][0]), body


def test_lookup_errors_carry_a_stable_code(client):
    r = client.get("/api/v1/lookup", {"building": "x"}, **ENGLISH_BROWSER)
    assert r.status_code == 400 and r.json()["code"] == "invalid_building"
    assert "будинку" in r.json()["detail"]


def test_english_is_the_second_language_from_our_own_catalogue(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    page = client.get("/accounts/login/").content.decode()
    assert "Staff sign-in" in page and "Вхід для працівників" not in page
    client.post("/i18n/setlang/", {"language": "uk", "next": "/accounts/login/"})
    assert "Вхід для працівників" in client.get("/accounts/login/").content.decode()


def test_map_and_analytics_apis_refuse_bad_input_in_ukrainian_with_a_code(client):
    from tests import factories

    r = client.get("/api/v1/public/clusters", {"bbox": "x", "zoom": "12"}, **ENGLISH_BROWSER)
    assert r.status_code == 400 and r.json()["code"] == "invalid_bbox" and "bbox" in r.json()["detail"]
    r = client.get("/api/v1/public/clusters", {"bbox": "37.5,48.7,37.6,48.8", "zoom": "z"})
    assert r.status_code == 400 and r.json()["code"] == "invalid_zoom"
    assert client.get("/api/v1/analytics/heat").json()["code"] == "analysts_only"
    client.force_login(factories.staff("analyst-errors", "analyst"))
    r = client.get("/api/v1/analytics/heat", {"since": "вчора"})
    assert r.status_code == 400 and r.json()["code"] == "invalid_period" and "РРРР-ММ-ДД" in r.json()["detail"]
