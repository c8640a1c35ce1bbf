"""Two-factor sign-in in headless Chromium: a deputy mayor enrols (our QR code, or the key typed into an app),
signs out, and signs in again with the password and then a code computed from the key, as a phone would."""

from __future__ import annotations

import base64

import pytest
from django_otp.oath import totp
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from tests import factories
from tests.browser.conftest import offsite_requests
from tests.browser.test_dispatch_page import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Kramatorsk-deputy-2026"


def _code(key: bytes, drift: int = 0) -> str:
    return f"{totp(key, drift=drift):06d}"


def test_a_deputy_mayor_enrols_and_then_signs_in_with_the_password_and_a_code(browser, live_server):
    factories.staff("deputy", "supervisor", password=PASSWORD)
    browser.get_log("performance")
    wait = WebDriverWait(browser, 60)

    sign_in(browser, live_server, "deputy", PASSWORD)  # no device yet: the password is enough
    wait.until(lambda d: "/control/" in d.current_url)
    browser.find_element(By.CSS_SELECTOR, "a.two-factor-link").click()
    wait.until(ec.presence_of_element_located((By.ID, "two-factor-secret")))
    # The QR code is an image we draw ourselves, and it loaded.
    wait.until(lambda d: d.execute_script("const i = document.querySelector('img.qr');"
                                          "return i && i.complete && i.naturalWidth > 0"))
    shown = browser.find_element(By.ID, "two-factor-secret").text.replace(" ", "")
    key = base64.b32decode(shown + "=" * (-len(shown) % 8))
    field = browser.find_element(By.ID, "id_code")
    field.send_keys(_code(key) + Keys.ENTER)
    wait.until(ec.staleness_of(field))
    wait.until(ec.presence_of_element_located((By.ID, "two-factor-status")))
    assert "Двофакторний вхід увімкнено" in browser.page_source

    # Sign out, then in: the password alone now leads to the code step.
    browser.find_element(By.CSS_SELECTOR, "form[action='/accounts/logout/'] button").click()
    wait.until(lambda d: "/accounts/logout/" in d.current_url or "Вхід" in d.page_source)
    sign_in(browser, live_server, "deputy", PASSWORD)
    code_field = wait.until(ec.presence_of_element_located((By.ID, "id_code")))
    assert "Введіть шестизначний код" in browser.page_source
    assert browser.switch_to.active_element.get_attribute("id") == "id_code"  # the cursor waits in the field
    code_field.send_keys("000000" if _code(key, 1) != "000000" else "111111")
    code_field.send_keys(Keys.ENTER)
    wait.until(ec.staleness_of(code_field))
    assert "Невірний код" in browser.page_source
    # django-otp lets the device check another code a second after a wrong one: wait for that, then the
    # next step's code (the one used for enrolment is never accepted twice).
    from django_otp.plugins.otp_totp.models import TOTPDevice

    wait.until(lambda d: TOTPDevice.objects.get(user__username="deputy", confirmed=True).verify_is_allowed()[0])
    code_field = browser.find_element(By.ID, "id_code")
    code_field.send_keys(_code(key, 1) + Keys.ENTER)
    wait.until(lambda d: "/control/" in d.current_url)
    assert offsite_requests(browser) == []
