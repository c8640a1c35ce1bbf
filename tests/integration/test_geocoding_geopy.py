"""The geopy adapters: ECity against a live server, the external fallback against a local HTTP server."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from geopy.exc import GeocoderQueryError

from geocoding import services
from geocoding.geopy_geocoder import ECity, external_geocoder
from tests.integration.test_geocoding_town import build_town


@pytest.fixture
def town(db):
    """The test town (names the demo city does not have): see test_geocoding_town.py."""
    return build_town()


@pytest.mark.django_db(transaction=True)
def test_the_geopy_class_geocodes_and_reverses_through_our_api(live_server):
    city = build_town()
    netloc = urlsplit(live_server.url).netloc
    ecity = ECity(domain=netloc, scheme="http", timeout=10)
    loc = ecity.geocode("ул. Ореховая 12а")
    b = city.buildings["horikhova:12А"]
    assert loc.address == "вулиця Горіхова, 12А"
    assert (loc.latitude, loc.longitude) == pytest.approx((b.point.y, b.point.x))
    assert loc.raw["building_id"] == b.id and loc.raw["match"] in ("exact", "alias")
    both = ecity.geocode("Вербова 4", exactly_one=False)
    assert len(both) == 2 and {x.raw["match"] for x in both} == {"ambiguous"}
    assert ecity.geocode("Неіснуюча 99") is None
    back = ecity.reverse(f"{b.point.y}, {b.point.x}")
    assert back.raw["building_id"] == b.id and back.raw["inside"] is True
    with pytest.raises(GeocoderQueryError):
        ecity.geocode("   ")


class _FakeNominatim(BaseHTTPRequestHandler):
    hits: list = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        url = urlsplit(self.path)
        _FakeNominatim.hits.append((url.path, parse_qs(url.query)))
        lon, lat = self.server.answer  # type: ignore[attr-defined]
        body = json.dumps([{"place_id": 1, "lat": str(lat), "lon": str(lon), "display_name": "Зовнішня адреса, 1"}])
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_nominatim():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeNominatim)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _FakeNominatim.hits = []
    yield server
    server.shutdown()
    server.server_close()


@pytest.mark.django_db
def test_the_fallback_is_off_by_default_and_asks_nobody(town, fake_nominatim, settings):
    settings.GEOCODER_FALLBACK_URL = ""
    assert services.geocode(query="Неіснуюча 5") == []
    assert _FakeNominatim.hits == []


@pytest.mark.django_db
def test_the_fallback_answers_when_we_find_nothing_tied_to_our_building_and_flagged_approximate(
        town, fake_nominatim, settings):
    b = town.buildings["tykha:3"]
    fake_nominatim.answer = (b.point.x, b.point.y)
    settings.GEOCODER_FALLBACK_URL = f"http://127.0.0.1:{fake_nominatim.server_port}"
    results = services.geocode(query="Неіснуюча 5")
    assert len(results) == 1
    r = results[0]
    assert r.match == "approximate" and r.building_id == b.id and r.score < 0.5
    path, params = _FakeNominatim.hits[0]
    assert path == "/search" and params["q"] == ["Неіснуюча 5"]
    # Our own gazetteer still answers first: the fallback is not asked for a known address.
    _FakeNominatim.hits.clear()
    assert services.geocode(query="Горіхова 12")[0].match == "exact"
    assert _FakeNominatim.hits == []


@pytest.mark.django_db
def test_an_unreachable_fallback_gives_an_empty_result_not_an_error(town, settings):
    settings.GEOCODER_FALLBACK_URL = "http://127.0.0.1:9"  # discard port: nothing listens
    settings.GEOCODER_FALLBACK_TIMEOUT = 0.5
    assert services.geocode(query="Неіснуюча 5") == []


def test_a_fallback_url_without_a_scheme_is_refused():
    with pytest.raises(ValueError):
        external_geocoder("nominatim.local")
