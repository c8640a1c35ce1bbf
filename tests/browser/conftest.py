"""Real headless Chromium (Debian's chromium + chromium-driver) against Django's live server.

The flags keep Chromium from calling out: this machine has no network, and a
test must notice any request that tries to leave localhost (see `offsite_requests`).
"""

from __future__ import annotations

import json
import shutil
import tempfile

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


@pytest.fixture(scope="session")
def browser():
    profile = tempfile.mkdtemp(prefix="ecity-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1280,900", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    # Generous ceilings (waits end as soon as their condition holds): another job on both cores must not fail a test.
    driver.set_page_load_timeout(120)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def csp_violations(driver) -> list[str]:
    """Console messages in which Chromium reports a Content-Security-Policy violation (and drops them)."""
    return [e["message"] for e in driver.get_log("browser") if "Content Security Policy" in e["message"]]


@pytest.fixture(autouse=True)
def _no_csp_violation(request):
    """Every browser test fails if a page it opened broke the Content-Security-Policy (an inline script or
    style="" that the policy blocked: the page then silently lacks it)."""
    if "browser" not in request.fixturenames:
        yield
        return
    driver = request.getfixturevalue("browser")
    csp_violations(driver)  # drop what earlier tests left
    yield
    if request.node.get_closest_marker("csp_violation_expected") is None:
        assert csp_violations(driver) == []


def offsite_requests(driver) -> list[str]:
    """URLs the page asked for that are not on localhost (read from Chromium's performance log)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            url = message["params"]["request"]["url"]
            if url.startswith(("http://", "https://", "ws://", "wss://")) and url.split("/")[2].split(":")[0] not in {
                "localhost", "127.0.0.1", "[::1]"}:
                urls.append(url)
    return urls


def login(driver, live_server, username: str, password: str) -> None:
    """Sign in through the real Django admin login form."""
    from selenium.webdriver.common.by import By

    driver.get(f"{live_server.url}/admin/login/")
    driver.find_element(By.NAME, "username").send_keys(username)
    driver.find_element(By.NAME, "password").send_keys(password)
    form = driver.find_element(By.ID, "login-form")
    driver.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    # Wait for the answer to the POST: a navigation right after the click can cancel it (seen under load).
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 60).until(ec.staleness_of(form))
