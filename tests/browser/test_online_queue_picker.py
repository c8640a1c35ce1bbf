"""The online queue in headless Chromium: a dispatcher corrects an online appeal's building on the map."""

import pytest
from django.test import Client
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from appeals.models import Appeal
from tests import factories
from tests.browser.test_citizens_flow import axe_serious
from tests.browser.test_dispatch_page import sign_in
from tests.integration.test_citizens_pages import filed, post_report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_dispatcher_clicks_the_right_building_on_the_map_and_the_appeal_moves_there(browser, live_server, registry,
                                                                                       settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CITIZENS_MAX_FILINGS_PER_IP_HOUR = 1000
    registry.cat = factories.category("t_leak", service_kinds=("in_house",), hours=72, name="Протікання")
    factories.staff("disp", "dispatcher", password="disp-pass-1")
    number, _ = filed(post_report(Client(), registry))  # filed at Дружби 3; the resident meant Паркова 14
    target = registry.buildings["parkova:14"]

    sign_in(browser, live_server, "disp", "disp-pass-1")
    browser.get(f"{live_server.url}/dispatch/online/")
    item = browser.find_element(By.ID, f"online-{number}")
    item.find_element(By.CLASS_NAME, "pick-on-map").click()
    map_el = item.find_element(By.CLASS_NAME, "picker-map")
    WebDriverWait(browser, 60).until(lambda d: map_el.get_attribute("data-state") == "ready")
    lon, lat = target.point.coords
    # Where the target building's inner point is drawn, from the map's own projection; then a real click there.
    x, y = browser.execute_script(
        "const m = arguments[0].ecityMap; m.setView([arguments[2], arguments[1]], 18, {animate: false});"
        "const p = m.latLngToContainerPoint([arguments[2], arguments[1]]); return [p.x, p.y];", map_el, lon, lat)
    size = map_el.size
    ActionChains(browser).move_to_element_with_offset(map_el, int(x - size["width"] / 2),
                                                      int(y - size["height"] / 2)).click().perform()
    picker = item.find_element(By.CLASS_NAME, "place-picker")
    WebDriverWait(browser, 60).until(lambda d: picker.get_attribute("data-building") == str(target.pk))
    assert "Паркова, 14" in item.find_element(By.CLASS_NAME, "picked").text
    assert axe_serious(browser) == []
    item.find_element(By.CSS_SELECTOR, "button[value=ok]").click()
    WebDriverWait(browser, 60).until(lambda d: not Appeal.objects.get(number=number).needs_review)
    assert Appeal.objects.get(number=number).building_id == target.pk
