"""The life of an appeal through the pages in headless Chromium: dispatcher → provider journal → search."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select

from appeals.models import Appeal, Status
from layers.categories import ensure_categories
from layers.models import Category
from tests import factories
from tests.browser.conftest import offsite_requests
from tests.browser.test_dispatch_page import sign_in, wait

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_appeal_lives_from_the_dispatcher_through_the_provider_journal_to_the_search(browser, live_server):
    city = factories.tiny_city()
    ensure_categories()
    factories.staff("disp", "dispatcher", password="disp-pass-1")
    factories.staff("zhek", "provider_operator", provider=city.providers["zhek1"], password="zhek-pass-1")
    factories.staff("water", "provider_operator", provider=city.providers["water"], password="water-pass-1")
    leak = Category.objects.get(code="roof_leak")  # in-house: ЖЕК-1 serves вулиця Дружби
    browser.get_log("performance")

    # The dispatcher files it (the mouse works too).
    sign_in(browser, live_server, "disp", "disp-pass-1")
    wait(browser).until(ec.presence_of_element_located((By.ID, "intake-form")))
    browser.find_element(By.ID, "id_phone").send_keys("+380 95 000 11 22")
    browser.find_element(By.ID, "id_address").send_keys("Дружби 3")
    suggestion = wait(browser).until(ec.element_to_be_clickable(
        (By.XPATH, "//ul[@id='address-suggestions']/li[starts-with(., 'вулиця Дружби, 3')]")))
    suggestion.click()
    wait(browser).until(ec.text_to_be_present_in_element((By.ID, "building-providers"), "ЖЕК-1"))
    Select(browser.find_element(By.ID, "id_category")).select_by_visible_text(leak.name_uk)
    wait(browser).until(ec.text_to_be_present_in_element((By.ID, "category-routes"), "ЖЕК-1"))
    browser.find_element(By.ID, "id_description").send_keys("тече покрівля")
    browser.find_element(By.ID, "save-button").click()
    number = wait(browser).until(ec.visibility_of_element_located((By.ID, "saved-number"))).text

    # Another provider's operator does not see it at all.
    sign_in(browser, live_server, "water", "water-pass-1")
    wait(browser).until(ec.presence_of_element_located((By.ID, "journal")))
    assert number not in browser.find_element(By.ID, "journal").text

    # ЖЕК-1's operator finds it in the journal, accepts it and reports it done.
    sign_in(browser, live_server, "zhek", "zhek-pass-1")
    journal = wait(browser).until(ec.presence_of_element_located((By.ID, "journal")))
    assert browser.current_url.endswith("/journal/")
    journal.find_element(By.LINK_TEXT, number).click()
    wait(browser).until(ec.text_to_be_present_in_element((By.ID, "appeal-number"), number))
    browser.find_element(By.CSS_SELECTOR, "#action-accept button").click()
    wait(browser).until(ec.text_to_be_present_in_element((By.ID, "appeal-status"), "прийнято виконавцем"))
    browser.find_element(By.ID, "id_resolve-resolution").send_keys("перекрито покрівлю над під'їздом 2")
    browser.find_element(By.CSS_SELECTOR, "#action-resolve button").click()
    wait(browser).until(ec.text_to_be_present_in_element((By.ID, "appeal-status"), "виконано"))
    history = browser.find_element(By.ID, "appeal-history").text
    assert "прийнято виконавцем" in history and "перекрито покрівлю" in history and "zhek" in history
    assert Appeal.objects.get(number=number).status == Status.RESOLVED

    # The caller phones again: the dispatcher's search by phone finds it with its status.
    sign_in(browser, live_server, "disp", "disp-pass-1")
    wait(browser).until(ec.presence_of_element_located((By.ID, "intake-form")))
    browser.find_element(By.ID, "qs-phone").send_keys("0950001122")
    browser.find_element(By.CSS_SELECTOR, "#quick-search button[type=submit]").click()
    row = wait(browser).until(ec.presence_of_element_located((By.CSS_SELECTOR, f"#search-results tr[data-number='{number}']")))
    assert "виконано" in row.text and "ЖЕК-1" in row.text
    assert offsite_requests(browser) == []


def test_an_operator_saves_a_journal_filter_and_finds_it_again(browser, live_server):
    city = factories.tiny_city()
    factories.staff("zhek2", "provider_operator", provider=city.providers["zhek1"], password="zhek-pass-2")
    sign_in(browser, live_server, "zhek2", "zhek-pass-2")
    wait(browser).until(ec.presence_of_element_located((By.ID, "journal-filters")))
    browser.get(live_server.url + "/journal/?deadline=overdue&sort=oldest")
    wait(browser).until(ec.visibility_of_element_located((By.ID, "save-filter-name"))).send_keys("мої прострочені")
    browser.find_element(By.CSS_SELECTOR, "#save-filter-form button").click()
    browser.get(live_server.url + "/journal/")
    link = wait(browser).until(ec.element_to_be_clickable((By.CSS_SELECTOR, "#saved-filter-list a.saved-filter")))
    assert link.text == "мої прострочені"
    link.click()
    wait(browser).until(lambda d: "deadline=overdue" in d.current_url and "sort=oldest" in d.current_url)
    assert Select(browser.find_element(By.ID, "id_deadline")).first_selected_option.get_attribute("value") == "overdue"
