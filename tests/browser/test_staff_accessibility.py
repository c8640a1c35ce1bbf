"""axe-core (npm) on every staff page: no serious or critical violation, at 1366×768, with real data on them."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from appeals import services
from layers.categories import ensure_categories
from layers.models import Category
from tests import factories
from tests.browser.test_citizens_flow import axe_serious
from tests.browser.test_dispatch_page import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = ["/dispatch/", "/dispatch/search/?number=26", "/dispatch/shift/", "/dispatch/lookup", "/journal/",
         "/control/", "/analytics/", "/reports/", "/reports/daily/", "/dispatch/callbacks/"]


def test_staff_pages_have_no_serious_accessibility_violations(browser, live_server):
    city = factories.tiny_city()
    ensure_categories()
    admin = factories.staff("adm", "administrator", password="adm-pass-1")
    appeal = services.register_intake(dispatcher=admin, category=Category.objects.get(code="roof_leak"),
                                      phone="0501112233", building=city.buildings["parkova:12"]).appeal
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                            {"width": 1366, "height": 768, "deviceScaleFactor": 1, "mobile": False})
    try:
        sign_in(browser, live_server, "adm", "adm-pass-1")
        WebDriverWait(browser, 30).until(ec.presence_of_element_located((By.CSS_SELECTOR, "header.topbar")))
        found = {}
        for page in [*PAGES, f"/appeals/{appeal.number}/"]:
            browser.get(live_server.url + page)
            WebDriverWait(browser, 30).until(lambda d: d.execute_script("return document.readyState") == "complete")
            if "404" in browser.title:
                continue  # a page another part of the system has not built (yet)
            problems = axe_serious(browser)
            if problems:
                found[page] = problems
        assert found == {}
        # Open items count down to their deadline, live.
        browser.get(live_server.url + "/journal/")
        WebDriverWait(browser, 30).until(
            lambda d: d.find_element(By.CSS_SELECTOR, "time[data-countdown]").text.startswith("залишилось"))
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
