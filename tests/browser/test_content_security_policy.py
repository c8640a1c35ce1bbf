"""The Content-Security-Policy is on and enforced by the browser: inline code and style="" are refused.

tests/browser/conftest.py fails every other browser test on a reported violation; this one shows that
the detector sees one, so a silent pass there means a clean page.
"""

import pytest
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser.conftest import csp_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.csp_violation_expected
def test_the_public_map_refuses_an_injected_inline_script_and_style_attribute(browser, live_server, registry):
    browser.get(f"{live_server.url}/no-such-page/")
    WebDriverWait(browser, 60).until(lambda d: d.execute_script("return document.readyState") == "complete")
    browser.execute_script("""
        window.cspSeen = [];
        document.addEventListener("securitypolicyviolation", e => window.cspSeen.push(e.violatedDirective));
        const s = document.createElement("script"); s.textContent = "window.injected = 1;"; document.body.appendChild(s);
        document.body.insertAdjacentHTML("beforeend", '<p id="styled" style="color: rgb(255, 0, 0)">x</p>');
    """)
    WebDriverWait(browser, 60).until(lambda d: len(d.execute_script("return window.cspSeen")) >= 2)
    seen = browser.execute_script("return window.cspSeen")
    assert any(d.startswith("script-src") for d in seen) and any(d.startswith("style-src") for d in seen)
    assert browser.execute_script("return window.injected") is None
    assert browser.execute_script("return getComputedStyle(document.getElementById('styled')).color") != "rgb(255, 0, 0)"
    assert csp_violations(browser)
