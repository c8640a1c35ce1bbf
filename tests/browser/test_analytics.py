"""The analysts' page in headless Chromium: a heatmap renders from our own files, nothing leaves localhost."""

import pytest
from django.contrib.auth.models import Group
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser.conftest import login, offsite_requests

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Non-transparent pixels on the heat canvas.
_PAINTED = """
const c = document.querySelector('canvas.leaflet-heatmap-layer');
if (!c) return -1;
const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
return n;
"""


def test_a_heatmap_renders_for_an_analyst(browser, live_server, registry, django_user_model):
    from appeals.workflow import ANALYST
    from tests.integration.map_data import appeal

    for i, key in enumerate(["parkova:12", "parkova:12", "parkova:14", "druzhby:3"]):
        appeal(f"26-40000{i}", building=registry.buildings[key], age_days=1 + i)
    user = django_user_model.objects.create_user("analyst", password="pw-analyst-1", is_staff=True)
    user.groups.add(Group.objects.get_or_create(name=ANALYST)[0])
    browser.delete_all_cookies()
    login(browser, live_server, "analyst", "pw-analyst-1")
    browser.get_log("performance")
    browser.get(live_server.url + "/analytics/")
    WebDriverWait(browser, 60).until(lambda d: d.find_element(By.ID, "map").get_attribute("data-state") == "ready")
    WebDriverWait(browser, 60).until(lambda d: d.execute_script(_PAINTED) > 100)
    browser.execute_script("document.getElementById('slider').value = 0;"
                           "document.getElementById('slider').dispatchEvent(new Event('input'));")
    assert browser.find_element(By.ID, "frame-label").text != ""
    assert offsite_requests(browser) == []


def test_the_counts_follow_the_slider_and_every_map_has_a_legend(browser, live_server, registry, django_user_model):
    from appeals.workflow import ANALYST
    from tests.integration.map_data import appeal

    for i, key in enumerate(["parkova:12", "parkova:12", "parkova:14", "druzhby:3"]):
        appeal(f"26-41000{i}", building=registry.buildings[key], age_days=1 + 2 * i)
    user = django_user_model.objects.create_user("analyst2", password="pw-analyst-2", is_staff=True)
    user.groups.add(Group.objects.get_or_create(name=ANALYST)[0])
    browser.delete_all_cookies()
    login(browser, live_server, "analyst2", "pw-analyst-2")
    browser.get(live_server.url + "/analytics/")
    wait = WebDriverWait(browser, 60)
    wait.until(lambda d: d.find_element(By.ID, "map").get_attribute("data-state") in ("ready", "error"))
    assert browser.find_element(By.ID, "map").get_attribute("data-state") == "ready", \
        browser.find_element(By.ID, "map").get_attribute("data-error")
    summary = browser.find_element(By.ID, "summary")
    assert summary.get_attribute("data-appeals") == "4"  # the whole period
    assert "Щільність звернень" in browser.find_element(By.ID, "map-legend").text
    browser.execute_script("document.getElementById('slider').value = 0;"
                           "document.getElementById('slider').dispatchEvent(new Event('input'));")
    wait.until(lambda d: d.find_element(By.ID, "summary").get_attribute("data-appeals") == "1")
    label = browser.find_element(By.ID, "frame-label").text
    assert len(label) == 10 and label[2] == "." and label[5] == "."  # dd.mm.yyyy
    rows = browser.find_elements(By.CSS_SELECTOR, "#trend .trend-row")
    assert rows and "(4)" in rows[0].text
    browser.find_element(By.ID, "a-mode").send_keys("картограма: мікрорайони")
    browser.find_element(By.CSS_SELECTOR, "#a-filters button[type=submit]").click()
    wait.until(lambda d: d.find_element(By.ID, "map").get_attribute("data-mode") == "neighbourhood")
    assert "Звернень в області" in browser.find_element(By.ID, "map-legend").text


def test_outages_in_force_are_drawn_on_the_analysts_map(browser, live_server, registry, django_user_model):
    from appeals.workflow import ANALYST
    from outages import services as outage_services

    outage = outage_services.declare_outage(service_kinds=["water"], building_ids=[registry.buildings["parkova:14"].pk])
    user = django_user_model.objects.create_user("analyst3", password="pw-analyst-3", is_staff=True)
    user.groups.add(Group.objects.get_or_create(name=ANALYST)[0])
    browser.delete_all_cookies()
    login(browser, live_server, "analyst3", "pw-analyst-3")
    browser.get(live_server.url + "/analytics/")
    wait = WebDriverWait(browser, 60)
    wait.until(lambda d: d.execute_script("return window.ecityOutagesDrawn") == 1)
    drawn = browser.execute_script("return window.ecityOutages.getLayers().map(l => l.feature.properties.id)")
    assert drawn == [outage.outage.pk]
