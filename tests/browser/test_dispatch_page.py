"""The dispatcher's screen in headless Chromium: keyboard-first intake, building on the offline map, duplicates."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait

from appeals import services
from appeals.models import Appeal, CallOutcome
from layers.categories import ensure_categories
from layers.models import Category
from tests import factories
from tests.browser.conftest import offsite_requests

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(driver, live_server, username: str, password: str) -> None:
    """Through our own Ukrainian login page."""
    driver.delete_all_cookies()
    driver.get(f"{live_server.url}/accounts/login/")
    assert "Вхід для працівників" in driver.page_source
    driver.find_element(By.NAME, "username").send_keys(username)
    form = driver.find_element(By.NAME, "password")
    form.send_keys(password + Keys.ENTER)
    # The answer to the POST has replaced the page (signed in or not): a navigation now cannot cancel it.
    WebDriverWait(driver, 60).until(ec.staleness_of(form))


def wait(driver, seconds: float = 15) -> WebDriverWait:
    return WebDriverWait(driver, seconds)


def test_a_dispatcher_files_an_appeal_by_keyboard_and_a_repeat_call_is_added_to_it(browser, live_server):
    city = factories.tiny_city()
    ensure_categories()
    dispatcher = factories.staff("disp", "dispatcher", password="disp-pass-1")
    leak = Category.objects.get(code="roof_leak")  # in-house: Паркова 12 is served by its ОСББ
    # The caller phoned before, about another building: the screen shows it as soon as the number is typed.
    earlier = services.register_intake(dispatcher=dispatcher, category=Category.objects.get(code="no_cold_water"),
                                       phone="0501112233", building=city.buildings["druzhby:3"]).appeal

    browser.get_log("performance")  # drop earlier entries
    sign_in(browser, live_server, "disp", "disp-pass-1")
    wait(browser).until(ec.presence_of_element_located((By.ID, "intake-form")))
    assert browser.switch_to.active_element.get_attribute("id") == "id_phone"  # the cursor starts on the phone
    # The offline basemap is drawn from our own data (two neighbourhoods and six streets).
    wait(browser).until(lambda d: d.execute_script("return window.ecityBasemapLoaded || 0") >= 2)

    phone = browser.find_element(By.ID, "id_phone")
    phone.send_keys("050 111 22 33")
    wait(browser).until(ec.text_to_be_present_in_element((By.ID, "phone-history"), earlier.number))
    phone.send_keys(Keys.ENTER)  # Enter moves on to the address, it never submits
    assert browser.switch_to.active_element.get_attribute("id") == "id_address"

    browser.switch_to.active_element.send_keys("Парковая 1")
    wait(browser).until(ec.visibility_of_element_located((By.CSS_SELECTOR, "#address-suggestions li")))
    options = [li.text for li in browser.find_elements(By.CSS_SELECTOR, "#address-suggestions li")]
    target = next(i for i, text in enumerate(options) if text.startswith("вулиця Паркова, 12") and "12А" not in text)
    address = browser.find_element(By.ID, "id_address")
    for _ in range(target):
        address.send_keys(Keys.ARROW_DOWN)
    address.send_keys(Keys.ENTER)

    # The building, its providers per service kind, on the map; the cursor goes on to the category.
    wait(browser).until(ec.text_to_be_present_in_element((By.ID, "building-address"), "вулиця Паркова, 12"))
    providers = browser.find_element(By.ID, "building-providers").text
    assert "ОСББ «Паркова 12»" in providers and "Водоканал" in providers
    assert browser.execute_script("return window.ecityBuildingShown") == city.buildings["parkova:12"].pk
    assert browser.execute_script("return window.ecityDispatchMap.building.getLayers().length") == 1
    assert browser.switch_to.active_element.get_attribute("id") == "id_category"

    Select(browser.find_element(By.ID, "id_category")).select_by_visible_text(leak.name_uk)
    wait(browser).until(ec.text_to_be_present_in_element((By.ID, "category-routes"), "ОСББ «Паркова 12»"))
    assert "Строк" in browser.find_element(By.ID, "category-deadline").text
    assert not browser.find_elements(By.CSS_SELECTOR, "#duplicates button")  # nothing like it yet

    browser.find_element(By.ID, "id_flat").send_keys("5")
    browser.find_element(By.ID, "id_description").send_keys("тече дах над п'ятим поверхом")
    browser.find_element(By.ID, "id_description").send_keys(Keys.CONTROL, Keys.ENTER)  # Ctrl+Enter saves

    number = wait(browser).until(ec.visibility_of_element_located((By.ID, "saved-number"))).text
    appeal = Appeal.objects.get(number=number)
    assert (appeal.building_id, appeal.category_id, appeal.flat, appeal.applicant_phone) == (
        city.buildings["parkova:12"].pk, leak.pk, "5", "+380501112233")
    assert "ОСББ «Паркова 12»" in browser.find_element(By.ID, "saved-result").text

    # A neighbour calls about the same leak: the likely duplicate is offered first, and Enter links the call.
    browser.find_element(By.ID, "id_phone").send_keys("0667778899")
    address = browser.find_element(By.ID, "id_address")
    address.send_keys("Паркова 12")
    wait(browser).until(ec.visibility_of_element_located((By.CSS_SELECTOR, "#address-suggestions li")))
    address.send_keys(Keys.ENTER)
    wait(browser).until(ec.text_to_be_present_in_element((By.ID, "building-open-appeals"), number))
    Select(browser.find_element(By.ID, "id_category")).select_by_visible_text(leak.name_uk)
    duplicate = wait(browser).until(ec.element_to_be_clickable((By.CSS_SELECTOR, "#duplicates button")))
    assert duplicate.text.startswith(f"Додати цей дзвінок до звернення {number}")
    duplicate.click()
    assert browser.find_element(By.ID, "id_link_to").get_attribute("value") == number
    save = browser.find_element(By.ID, "save-button")
    assert save.text == f"Додати до звернення {number}"
    save.click()
    wait(browser).until(ec.text_to_be_present_in_element((By.ID, "saved-result"), "Дзвінок додано до звернення"))
    assert Appeal.objects.filter(building=city.buildings["parkova:12"]).count() == 1
    assert appeal.calls.filter(outcome=CallOutcome.ADDED_TO_APPEAL, phone="+380667778899").exists()
    assert offsite_requests(browser) == []
