"""/dispatch/lookup: type an address, see the building, its service areas and who serves it, all offline."""

import pytest
from django.contrib.auth import get_user_model
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests import factories
from tests.browser.conftest import login, offsite_requests

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_dispatcher_types_an_address_and_sees_the_building_its_areas_and_providers(browser, live_server):
    city = factories.tiny_city()
    get_user_model().objects.create_user("dispatcher", password="dispatch-pass-1", is_staff=True)
    login(browser, live_server, "dispatcher", "dispatch-pass-1")
    browser.get_log("performance")  # drop earlier entries
    browser.get(f"{live_server.url}/dispatch/lookup")
    box = WebDriverWait(browser, 60).until(lambda d: d.find_element(By.ID, "q"))
    box.send_keys("ул. Парковая, 12")
    browser.find_element(By.CSS_SELECTOR, "#lookup-form button").click()
    WebDriverWait(browser, 60).until(lambda d: d.execute_script("return window.lookupResult !== undefined"))

    assert browser.find_element(By.ID, "building").text == "вулиця Паркова, 12"
    # The building is highlighted and both areas around it (ЖЕК-1, the water utility) are drawn.
    assert browser.execute_script("return window.lookupResult.buildingLayer !== null")
    assert browser.execute_script("return window.lookupResult.areaCount") == 2
    in_house = browser.find_element(By.CSS_SELECTOR, "tr[data-kind=in_house]")
    assert "ОСББ «Паркова 12»" in in_house.text and in_house.get_attribute("data-outcome") == "assigned"
    assert "Водоканал" in browser.find_element(By.CSS_SELECTOR, "tr[data-kind=water]").text
    assert browser.find_element(By.CSS_SELECTOR, "tr[data-kind=power]").get_attribute("data-outcome") == "gap"
    # The basemap came from our API: the map has the two neighbourhoods of the tiny city.
    WebDriverWait(browser, 60).until(lambda d: d.execute_script(
        "var n = 0; document.querySelectorAll('.leaflet-overlay-pane canvas, .leaflet-overlay-pane path')"
        ".forEach(function () { n++; }); return n;") >= 1)
    assert offsite_requests(browser) == []
    assert city.buildings["parkova:12"].pk == browser.execute_script("return window.lookupResult.data.building.id")
