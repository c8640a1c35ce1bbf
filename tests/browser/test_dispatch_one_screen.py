"""The whole intake on one 1366×768 screen, a flat typed in the address kept, a range asked about — and how many
keystrokes and seconds an intake takes from the first digit of the phone to the number on screen."""

from __future__ import annotations

import time

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from appeals.models import Appeal
from layers.categories import ensure_categories
from layers.models import Category
from tests import factories
from tests.browser.test_dispatch_page import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

IN_VIEW = """
const r = document.getElementById(arguments[0]).getBoundingClientRect();
return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight && r.right <= window.innerWidth;
"""


@pytest.fixture
def laptop_screen(browser):
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                            {"width": 1366, "height": 768, "deviceScaleFactor": 1, "mobile": False})
    yield browser
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


class Keyboard:
    """send_keys that counts what a dispatcher would press (a character or a key is one press)."""

    def __init__(self, driver):
        self.driver, self.presses = driver, 0

    def type(self, *keys: str) -> None:
        self.presses += sum(len(k) for k in keys)  # Selenium's special keys are one character each
        self.driver.switch_to.active_element.send_keys(*keys)


def test_the_intake_fits_one_laptop_screen_and_keeps_the_flat(laptop_screen, live_server):
    browser = laptop_screen
    city = factories.tiny_city()
    ensure_categories()
    factories.staff("disp1", "dispatcher", password="disp-pass-1")
    leak = Category.objects.get(code="roof_leak")
    sign_in(browser, live_server, "disp1", "disp-pass-1")
    wait = WebDriverWait(browser, 60)
    wait.until(ec.presence_of_element_located((By.ID, "intake-form")))
    keys = Keyboard(browser)

    started = time.monotonic()
    keys.type("0501112233", Keys.ENTER)
    keys.type("Паркова 12 кв 45")
    wait.until(lambda d: d.find_element(By.ID, "address-suggestions").get_attribute("data-query") == "Паркова 12 кв 45")
    wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, "#address-suggestions li")))
    options = [li.text for li in browser.find_elements(By.CSS_SELECTOR, "#address-suggestions li")]
    target = next(i for i, text in enumerate(options) if text.startswith("вулиця Паркова, 12") and "12А" not in text)
    keys.type(*([Keys.ARROW_DOWN] * target), Keys.ENTER)
    wait.until(ec.text_to_be_present_in_element((By.ID, "building-address"), "вулиця Паркова, 12"))
    # The flat typed in the address went to its field, and the dispatcher is told.
    assert browser.find_element(By.ID, "id_flat").get_attribute("value") == "45"
    assert "45" in browser.find_element(By.ID, "flat-moved").text
    assert browser.switch_to.active_element.get_attribute("id") == "id_category"
    # Choose the category with the arrow keys in the focused select (each press moves one option).
    options = [o.get_attribute("value") for o in browser.find_elements(By.CSS_SELECTOR, "#id_category option")]
    current = options.index(browser.find_element(By.ID, "id_category").get_attribute("value"))
    keys.type(*([Keys.ARROW_DOWN] * (options.index(str(leak.pk)) - current)))
    wait.until(lambda d: d.find_element(By.ID, "id_category").get_attribute("value") == str(leak.pk))
    wait.until(ec.text_to_be_present_in_element((By.ID, "category-routes"), "ОСББ «Паркова 12»"))

    # Everything the dispatcher needs is on screen without scrolling.
    assert browser.execute_script("return document.scrollingElement.scrollHeight <= window.innerHeight + 1")
    for element_id in ("save-button", "category-routes", "category-deadline", "id_phone", "id_address",
                       "id_category", "dispatch-map", "building-address"):
        assert browser.execute_script(IN_VIEW, element_id), element_id
    # The providers table folded away once the category named its providers, theirs first.
    assert browser.find_element(By.ID, "building-providers-box").get_attribute("open") is None
    first_row = browser.find_element(By.CSS_SELECTOR, "#building-providers tr[data-service-kind]")
    assert "for-category" in first_row.get_attribute("class")

    keys.type(Keys.CONTROL + Keys.ENTER)
    number = wait.until(ec.visibility_of_element_located((By.ID, "saved-number"))).text
    seconds = time.monotonic() - started
    appeal = Appeal.objects.get(number=number)
    assert (appeal.building_id, appeal.flat) == (city.buildings["parkova:12"].pk, "45")
    print(f"\nintake by keyboard: {keys.presses} key presses, {seconds:.1f} s from the first digit to {number}")
    assert browser.execute_script(IN_VIEW, "saved-number")


def test_a_house_range_is_asked_about_never_dropped(laptop_screen, live_server):
    browser = laptop_screen
    factories.tiny_city()
    factories.staff("disp2", "dispatcher", password="disp-pass-2")
    sign_in(browser, live_server, "disp2", "disp-pass-2")
    wait = WebDriverWait(browser, 60)
    wait.until(ec.presence_of_element_located((By.ID, "intake-form")))
    address = browser.find_element(By.ID, "id_address")
    address.send_keys("Паркова 12-14")
    wait.until(lambda d: d.find_element(By.ID, "address-suggestions").get_attribute("data-query") == "Паркова 12-14")
    address.send_keys(Keys.ENTER)
    wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, "#address-ask button")))
    assert "12–14" in browser.find_element(By.ID, "address-ask").text
    assert browser.find_element(By.ID, "id_building").get_attribute("value") == ""  # nothing taken silently
    choices = browser.find_elements(By.CSS_SELECTOR, "#address-ask button")
    assert [b.text for b in choices] == ["Паркова 12", "Паркова 14"]
    choices[1].click()  # the answer goes back into the address and the suggestions go on from there
    wait.until(lambda d: d.find_element(By.ID, "address-suggestions").get_attribute("data-query") == "Паркова 14")
    address.send_keys(Keys.ENTER)
    wait.until(ec.text_to_be_present_in_element((By.ID, "building-address"), "вулиця Паркова, 14"))
