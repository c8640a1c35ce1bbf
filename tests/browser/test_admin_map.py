"""The admin shows the registry on an offline map: OpenLayers from our static files, basemap from our data."""

import pytest
from django.contrib.auth import get_user_model
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests import factories
from tests.browser.conftest import offsite_requests

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_building_page_draws_the_map_without_internet(browser, live_server):
    city = factories.tiny_city()
    get_user_model().objects.create_superuser("admin", "admin@example.org", "admin-pass-123")
    browser.get_log("performance")  # drop earlier entries
    browser.get(f"{live_server.url}/admin/login/?next=/admin/layers/building/{city.buildings['parkova:12'].pk}/change/")
    browser.find_element(By.NAME, "username").send_keys("admin")
    browser.find_element(By.NAME, "password").send_keys("admin-pass-123")
    browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    WebDriverWait(browser, 60).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".dj_map canvas"))
    # OpenLayers loaded from us, and it drew the building's footprint and the basemap layer.
    assert browser.execute_script("return geodjango_geom.featureCollection.getLength();") == 1
    basemap_count = (
        "var n = 0; geodjango_geom.map.getLayers().forEach(function (g) {"
        "  if (g.getLayers) g.getLayers().forEach(function (l) { n += l.getSource().getFeatures().length; }); });"
        "return n;")
    # Two neighbourhoods of the tiny city, fetched from /api/v1/layers/basemap.
    WebDriverWait(browser, 60).until(lambda d: d.execute_script(basemap_count) >= 2)
    assert offsite_requests(browser) == []


def test_registry_health_page_draws_its_problems_with_the_script_from_static_files(browser, live_server):
    factories.tiny_city()
    get_user_model().objects.create_superuser("admin", "admin@example.org", "admin-pass-123")
    browser.get(f"{live_server.url}/admin/login/?next=/admin/layers/servicearea/health/")
    browser.find_element(By.NAME, "username").send_keys("admin")
    browser.find_element(By.NAME, "password").send_keys("admin-pass-123")
    browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    WebDriverWait(browser, 60).until(lambda d: d.execute_script("return !!window.healthLayer"))
    assert browser.find_elements(By.CSS_SELECTOR, "#health-map .leaflet-pane")
    legend = browser.find_element(By.CSS_SELECTOR, ".legend .gap")
    assert legend.value_of_css_property("background-color") == "rgba(215, 48, 31, 1)"
