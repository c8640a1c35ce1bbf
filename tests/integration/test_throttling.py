"""Anonymous APIs are rate-limited per address: 429 with Retry-After and a Ukrainian detail; staff are not."""

import pytest
from django.test import Client

from gis import throttling

pytestmark = pytest.mark.django_db


@pytest.fixture
def tiny_rates(settings):
    # Per hour: the count is a fixed window, and a test never straddles a window's end by chance.
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                               "DEFAULT_THROTTLE_RATES": {"geocoding": "3/hour", "public": "2/hour", "lookup": "2/hour"}}
    yield


def _address(n: int) -> str:
    # Each test its own address: counts live in Redis, outside the test's transaction.
    import uuid

    return f"10.{n}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"


@pytest.mark.parametrize(("url", "allowed"), [
    ("/api/v1/reverse?lon=37.556&lat=48.738", 3),
    ("/api/v1/suggest?q=Пар", 3),
    ("/api/v1/public/categories", 2),
    ("/api/v1/lookup?lon=37.556&lat=48.738", 2),
])
def test_an_anonymous_client_over_the_rate_gets_429_with_retry_after(registry, tiny_rates, url, allowed):
    client = Client(REMOTE_ADDR=_address(1))
    statuses = [client.get(url).status_code for _ in range(allowed)]
    assert 429 not in statuses
    response = client.get(url)
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 3600
    assert response.json()["code"] == "throttled" and "Забагато запитів" in response.json()["detail"]


def test_the_limit_is_per_address_and_per_scope(registry, tiny_rates):
    first, second = Client(REMOTE_ADDR=_address(2)), Client(REMOTE_ADDR=_address(3))
    for _ in range(3):
        first.get("/api/v1/suggest?q=Пар")
    assert first.get("/api/v1/suggest?q=Пар").status_code == 429
    assert first.get("/api/v1/public/categories").status_code == 200  # another scope, its own count
    assert second.get("/api/v1/suggest?q=Пар").status_code != 429


def test_signed_in_staff_are_not_throttled(registry, tiny_rates, admin_user):
    client = Client(REMOTE_ADDR=_address(4))
    client.force_login(admin_user)
    assert 429 not in [client.get("/api/v1/suggest?q=Пар").status_code for _ in range(6)]


def test_default_rates_are_generous_and_staff_apis_are_not_throttled():
    from django.conf import settings

    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    assert all(int(rate.split("/")[0]) >= 600 for rate in rates.values())
    assert throttling.scope_of("/api/v1/appeals") is None and throttling.scope_of("/tiles/x") is None
