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


@pytest.fixture
def rates(settings):
    def set_rate(rate: str) -> None:
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                                   "DEFAULT_THROTTLE_RATES": {"geocoding": rate, "public": rate, "lookup": rate}}
    return set_rate


def _shared_count(ident: str, *, period: int = 3600, now: float) -> int:
    from gis.health import redis_client

    return int(redis_client().get(f"ecity:throttle:geocoding:{ident}:{int(now // period)}") or 0)


def test_a_worker_adds_its_count_to_redis_in_batches_of_one_percent_of_the_limit(rates):
    import time

    rates("1000/hour")
    ident, now = _address(5), time.time()
    counter = throttling.BatchedCounter()
    for _ in range(9):
        assert counter.count(scope="geocoding", ident=ident, now=now) == 0
    assert _shared_count(ident, now=now) == 0  # nine requests, no round trip yet
    assert counter.count(scope="geocoding", ident=ident, now=now) == 0
    assert _shared_count(ident, now=now) == 10
    # A second later the count goes to Redis whatever the batch: a slow client is counted too.
    assert counter.count(scope="geocoding", ident=ident, now=now + throttling.FLUSH_SECONDS) == 0
    assert _shared_count(ident, now=now) == 11


def test_a_client_spread_over_workers_is_refused_within_one_percent_per_worker_of_the_limit(rates):
    import time

    rates("200/hour")
    ident, now = _address(6), time.time()
    workers = [throttling.BatchedCounter() for _ in range(3)]
    answers = [workers[i % 3].count(scope="geocoding", ident=ident, now=now) for i in range(260)]
    first_refused = answers.index(next(a for a in answers if a))
    assert 200 <= first_refused <= 200 + 3 * throttling.BatchedCounter.batch(200)
    assert all(answers[first_refused + 3:])  # then every worker refuses, each with the window's wait
    assert 1 <= answers[-1] <= 3600


def test_a_small_limit_is_counted_exactly_on_every_request(rates):
    import time

    rates("3/hour")
    ident, now = _address(7), time.time()
    one, two = throttling.BatchedCounter(), throttling.BatchedCounter()
    assert [one.count(scope="geocoding", ident=ident, now=now), two.count(scope="geocoding", ident=ident, now=now),
            one.count(scope="geocoding", ident=ident, now=now)] == [0, 0, 0]
    assert two.count(scope="geocoding", ident=ident, now=now) > 0
