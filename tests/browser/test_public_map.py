"""The public map in headless Chromium: clusters at city zoom that split when zoomed in, the card, no offsite requests."""

import time

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser.conftest import offsite_requests

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _ready(browser, zoom: int | None = None):
    def ok(driver):
        m = driver.find_element(By.ID, "map")
        return m.get_attribute("data-state") == "ready" and (zoom is None or m.get_attribute("data-zoom") == str(zoom))
    WebDriverWait(browser, 60).until(ok)


def _counts(browser) -> list[int]:
    # Read in one script: the map may be redrawing, and element handles would go stale.
    return browser.execute_script(
        "return Array.from(document.querySelectorAll('.appeal-cluster span')).map(e => +e.textContent)")


def test_public_map_clusters_split_on_zoom_and_a_click_opens_the_card(browser, live_server, registry):
    from tests.integration.map_data import appeal

    b = registry.buildings
    for i, key in enumerate(["parkova:12", "parkova:12", "parkova:12А", "parkova:14", "druzhby:3", "shkilna_e:4"]):
        appeal(f"26-30000{i}", building=b[key], status="resolved" if i == 1 else "registered")
    browser.execute_cdp_cmd("Network.clearBrowserCache", {})
    browser.get_log("performance")  # drop entries of earlier tests
    started = time.perf_counter()
    browser.get(live_server.url + "/")
    _ready(browser, 12)
    first_render_s = time.perf_counter() - started
    city = _counts(browser)
    assert sum(city) == 6 and len(city) < 6, city
    assert "синтетична" in browser.find_element(By.CLASS_NAME, "leaflet-control-attribution").text

    lon, lat = b["parkova:12"].point.coords
    browser.execute_script(f"window.ecityMap.setView([{lat}, {lon}], 14)")
    _ready(browser, 14)
    middle = _counts(browser)
    assert len(middle) > 0 and max(middle) < max(city)

    browser.execute_script(f"window.ecityMap.setView([{lat}, {lon}], 18)")
    _ready(browser, 18)
    assert _counts(browser) == []
    pins = browser.find_elements(By.CSS_SELECTOR, ".appeal-pin")
    assert len(pins) >= 3
    numbers = {p.get_attribute("data-number") for p in pins}
    assert {"26-300000", "26-300001"} <= numbers

    pins[0].click()
    card = WebDriverWait(browser, 60).until(lambda d: d.find_element(By.ID, "card") if d.find_element(By.ID, "card").text else None)
    assert pins[0].get_attribute("data-number") in card.text
    assert "Паркова" in card.text
    assert "Шевченко" not in browser.page_source and "+380509998877" not in browser.page_source
    assert offsite_requests(browser) == []
    assert first_render_s < 20  # a cold live server; benchmarks/bench_maps.py measures the warm first render


def test_status_filter_redraws_the_map(browser, live_server, registry):
    from tests.integration.map_data import appeal

    b = registry.buildings
    appeal("26-310000", building=b["parkova:12"], status="resolved")
    appeal("26-310001", building=b["parkova:14"], status="registered")
    browser.execute_cdp_cmd("Network.clearBrowserCache", {})
    browser.get(live_server.url + "/")
    _ready(browser, 12)
    assert sum(_counts(browser)) == 2
    browser.execute_script("const s = document.getElementById('f-status'); s.value = 'resolved';"
                           "s.dispatchEvent(new Event('change', {bubbles: true}));")
    WebDriverWait(browser, 60).until(lambda d: sum(_counts(d)) == 1)


def test_the_public_map_shows_a_declared_outage_from_the_outages_api(browser, live_server, registry):
    from outages import services as outage_services

    outage = outage_services.declare_outage(
        service_kinds=["water"], provider=registry.providers["water"],
        building_ids=[registry.buildings["parkova:14"].pk], public_note="Ремонт водогону").outage
    # Public answers may be cached for a minute: an earlier test's page fetched the (empty) outage list.
    browser.execute_cdp_cmd("Network.clearBrowserCache", {})
    browser.get(live_server.url + "/")
    _ready(browser)
    WebDriverWait(browser, 60).until(lambda d: d.find_element(By.ID, "outages-count").text == "1")
    # The outage's area is drawn as a red dashed path, and its popup names what is off and who fixes it.
    path = WebDriverWait(browser, 60).until(
        lambda d: d.find_element(By.CSS_SELECTOR, "path.leaflet-interactive[stroke='#d62828']"))
    lon, lat = outage.area.centroid.coords
    browser.execute_script(f"window.ecityMap.setView([{lat}, {lon}], 18)")
    WebDriverWait(browser, 60).until(lambda d: d.find_element(By.CSS_SELECTOR, "path.leaflet-interactive[stroke='#d62828']"))
    browser.execute_script("arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))",
                           browser.find_element(By.CSS_SELECTOR, "path.leaflet-interactive[stroke='#d62828']"))
    # The popup fades in (Leaflet's animation): read its text once it is there, not while it is transparent.
    text = WebDriverWait(browser, 60).until(lambda d: "".join(
        e.get_attribute("textContent") for e in d.find_elements(By.CSS_SELECTOR, ".leaflet-popup-content")))
    assert "холодне водопостачання" in text and "Водоканал" in text and "Ремонт водогону" in text
    assert path is not None
    assert offsite_requests(browser) == []


def test_house_numbers_are_drawn_from_our_addresses_at_street_zooms_only(browser, live_server, registry):
    b = registry.buildings
    browser.get(live_server.url + "/")
    _ready(browser, 12)
    assert browser.find_elements(By.CSS_SELECTOR, ".house-number") == []  # a city view carries none
    lon, lat = b["parkova:12"].point.coords
    browser.execute_script(f"window.ecityMap.setView([{lat}, {lon}], 18)")
    _ready(browser, 18)

    def drawn(driver):
        return driver.execute_script(
            "return Array.from(document.querySelectorAll('.house-number span')).map(e => e.textContent)") or None
    labels = WebDriverWait(browser, 60).until(drawn)
    assert {"12", "12А", "14"} <= set(labels), labels
    browser.execute_script(f"window.ecityMap.setView([{lat}, {lon}], 15)")
    _ready(browser, 15)
    WebDriverWait(browser, 60).until(lambda d: not d.find_elements(By.CSS_SELECTOR, ".house-number"))
