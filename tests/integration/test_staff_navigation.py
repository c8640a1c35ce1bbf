"""One header for every staff page: the role's pages, who is signed in, logout; each role lands at home."""

import pytest
from django.test import Client

from appeals import workflow
from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "Довгий-пароль-2026"


def signed_in(role: str, **kwargs) -> tuple[Client, object]:
    user = factories.staff(f"user-{role}", role, password=PASSWORD, **kwargs)
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client, user


def test_an_analyst_lands_on_the_analytics_page_after_login(registry):
    user = factories.staff("anna", workflow.ANALYST, password=PASSWORD)
    r = Client().post("/accounts/login/", {"username": user.username, "password": PASSWORD}, follow=True)
    assert r.status_code == 200
    assert r.redirect_chain[-1][0] == "/analytics/"


@pytest.mark.parametrize("url", ["/analytics/", "/dispatch/search/"])
def test_the_analyst_header_links_analytics_and_offers_logout(registry, url):
    client, _ = signed_in(workflow.ANALYST)
    page = client.get(url).content.decode()
    assert 'href="/analytics/"' in page
    assert 'action="/accounts/logout/"' in page
    assert "аналітик" in page  # the role is named beside the user


def test_the_lookup_page_has_the_staff_header_with_a_way_back(registry):
    client, _ = signed_in(workflow.DISPATCHER)
    page = client.get("/dispatch/lookup").content.decode()
    assert 'href="/dispatch/"' in page and "Вийти" in page
    assert "<style" not in page and "<script>" not in page
