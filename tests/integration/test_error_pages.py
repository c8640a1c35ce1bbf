"""Error pages: Ukrainian, in the house style, with no stack and no URL list; JSON under /api/."""

import pytest

pytestmark = pytest.mark.django_db

LEAKS = ("URLconf", "Traceback", "urlpatterns", "api/v1/schema", "admin/", "RuntimeError", "DEBUG")


def _no_leak(body: str) -> None:
    for marker in LEAKS:
        assert marker not in body


@pytest.mark.parametrize("url", ["/no-such-page/", "/static-nope", "/appeals/99-999999/"])
def test_an_unknown_url_answers_the_ukrainian_404_without_url_patterns(admin_client, url):
    response = admin_client.get(url)
    assert response.status_code == 404
    body = response.content.decode()
    assert "Сторінку не знайдено" in body and 'lang="uk"' in body and "favicon" in body
    _no_leak(body)


def test_an_unknown_public_appeal_answers_json_404_with_a_ukrainian_detail_and_a_code(client):
    response = client.get("/api/v1/public/appeals/xyz")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Не знайдено.", "code": "not_found"}
    assert client.get("/api/v1/no-such-endpoint").json()["code"] == "not_found"


@pytest.mark.urls("tests.integration.error_urls")
@pytest.mark.parametrize(("url", "status", "heading"), [
    ("/test-errors/500", 500, "Помилка сервера"),
    ("/test-errors/403", 403, "Доступ заборонено"),
    ("/test-errors/400", 400, "Некоректний запит"),
])
def test_a_failing_page_answers_the_ukrainian_error_page_without_its_stack(client, url, status, heading):
    client.raise_request_exception = False
    response = client.get(url)
    assert response.status_code == status
    body = response.content.decode()
    assert heading in body
    _no_leak(body)
    assert "a bug that must not show" not in body and "bad input" not in body


@pytest.mark.urls("tests.integration.error_urls")
def test_a_failing_api_call_answers_json_500_with_a_stable_code(client):
    client.raise_request_exception = False
    response = client.get("/api/v1/test-errors/500")
    assert response.status_code == 500
    assert response.json()["code"] == "server_error"


def test_a_form_posted_without_its_csrf_token_gets_the_ukrainian_403():
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post("/accounts/login/", {"username": "a", "password": "b"})
    assert response.status_code == 403
    assert "Форму не прийнято" in response.content.decode()


def test_the_favicon_is_served_under_its_static_name(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].startswith("/static/webmap/favicon") and response["Location"].endswith(".svg")
