"""The dispatcher and a known outage, in headless Chromium: the notice comes first, one key links the call."""

from __future__ import annotations

import pytest
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from appeals.models import Appeal, Call, CallOutcome
from layers.categories import ensure_categories
from outages import services as outage_services
from outages.models import Outage, OutageStatus
from tests import factories
from tests.browser.conftest import offsite_requests

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def wait(driver, seconds: float = 40) -> WebDriverWait:
    return WebDriverWait(driver, seconds)


def sign_in(driver, live_server, username: str, password: str) -> None:
    driver.delete_all_cookies()
    driver.get(f"{live_server.url}/accounts/login/")
    driver.find_element(By.NAME, "username").send_keys(username)
    driver.find_element(By.NAME, "password").send_keys(password + Keys.ENTER)


def test_a_dispatcher_typing_an_address_inside_a_declared_outage_sees_it_first_and_links_the_call_with_one_key(
        browser, live_server):
    city = factories.tiny_city()
    ensure_categories()
    factories.staff("disp", "dispatcher", password="disp-pass-1")
    b = city.buildings
    now = timezone.now()
    outage = outage_services.declare_outage(
        service_kinds=["water"], provider=city.providers["water"], building_ids=[b["parkova:14"].pk, b["parkova:12А"].pk],
        started_at=now - timezone.timedelta(hours=2), expected_end=now + timezone.timedelta(hours=4),
        public_note="Пошкодження водогону на Парковій").outage
    today = timezone.localdate()

    def hhmm(at):  # a time of another day carries its date
        local = timezone.localtime(at)
        return local.strftime("%H:%M" if local.date() == today else "%d.%m %H:%M")

    browser.get_log("performance")
    sign_in(browser, live_server, "disp", "disp-pass-1")
    wait(browser).until(ec.presence_of_element_located((By.ID, "intake-form")))
    wait(browser).until(lambda d: d.execute_script("return window.ecityOutagesDrawn || 0") == 1)  # on the map
    browser.find_element(By.ID, "id_phone").send_keys("050 222 33 44" + Keys.ENTER)
    address = browser.switch_to.active_element
    assert address.get_attribute("id") == "id_address"
    address.send_keys("Паркова 14")
    wait(browser).until(ec.visibility_of_element_located((By.CSS_SELECTOR, "#address-suggestions li")))
    address.send_keys(Keys.ENTER)

    notice = wait(browser).until(ec.visibility_of_element_located((By.CSS_SELECTOR, "#outage-notice .notice-text")))
    assert notice.text == (f"Відоме відключення: холодне водопостачання, з {hhmm(outage.started_at)}, "
                           f"очікуване відновлення {hhmm(outage.expected_end)}, Водоканал")
    # First: above the building's providers, and the cursor is on it.
    assert browser.execute_script(
        "return document.getElementById('outage-notice').compareDocumentPosition("
        "document.getElementById('building-info')) & Node.DOCUMENT_POSITION_FOLLOWING") > 0
    wait(browser).until(ec.text_to_be_present_in_element((By.ID, "building-address"), "вулиця Паркова, 14"))
    active = browser.switch_to.active_element
    assert active.get_attribute("data-outage") == str(outage.pk) and "link-outage" in active.get_attribute("class")

    active.send_keys(Keys.ENTER)  # one key
    wait(browser).until(ec.text_to_be_present_in_element((By.ID, "saved-result"),
                                                         f"Дзвінок зараховано до відключення №{outage.pk}"))
    call = Call.objects.get(outcome=CallOutcome.OUTAGE_KNOWN)
    assert (call.outage_id, call.phone, call.appeal_id) == (outage.pk, "+380502223344", None)
    assert not Appeal.objects.exists()
    assert offsite_requests(browser) == []


def test_a_suspected_outage_is_proposed_on_the_dispatchers_screen_and_one_action_confirms_it(browser, live_server):
    from appeals import services

    city = factories.tiny_city()
    ensure_categories()
    dispatcher = factories.staff("disp2", "dispatcher", password="disp-pass-2")
    for key in ("parkova:12", "parkova:12А", "parkova:14"):
        services.register_intake(dispatcher=dispatcher, category="no_cold_water", phone="0501112233",
                                 building=city.buildings[key])
    suspected = Outage.objects.get(status=OutageStatus.SUSPECTED)
    sign_in(browser, live_server, "disp2", "disp-pass-2")
    panel = wait(browser).until(ec.visibility_of_element_located((By.ID, f"suspected-{suspected.pk}")))
    assert "3 будинків зі зверненнями" in panel.text
    panel.find_element(By.CSS_SELECTOR, "button.confirm-outage").click()
    wait(browser).until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, ".messages"),
                                                         f"Відключення №{suspected.pk} підтверджено"))
    suspected.refresh_from_db()
    assert suspected.status == OutageStatus.CONFIRMED
    assert not browser.find_elements(By.ID, "suspected-outages")
