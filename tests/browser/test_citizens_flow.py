"""A resident on a 390×844 phone, in headless Chromium against the live server, with a real SMTP server:
search an address, file with a photo, get number and code; a second filing at the same building joins the
first; the provider resolves; the resident confirms with a rating and the appeal closes; an e-mail at each
step. axe-core (npm) finds no serious or critical violation on the public pages."""

from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from appeals import notifications, services
from appeals.models import Appeal, ConfirmationOutcome, Status
from tests import factories
from tests.browser.conftest import offsite_requests

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WAIT = 40


@pytest.fixture
def phone(browser):
    browser.set_window_size(390, 844)
    yield browser
    browser.set_window_size(1280, 900)


@pytest.fixture
def city(registry, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CITIZENS_MAX_FILINGS_PER_IP_HOUR = 1000
    c = registry
    c.cat = factories.category("t_leak", service_kinds=("in_house",), hours=72, name="Протікання даху")
    c.cat.hint = "вода з даху чи зі стелі"
    c.cat.save()
    c.operator = factories.staff("op", "provider_operator", provider=c.providers["zhek1"])
    return c


def wait(driver, condition, timeout=WAIT):
    # A page that reloads between finding an element and reading it leaves a stale reference: look again.
    return WebDriverWait(driver, timeout, ignored_exceptions=(StaleElementReferenceException,)).until(condition)


def axe_serious(driver) -> list[str]:
    driver.execute_script(AXE.read_text())
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations.map("
        "v => [v.impact, v.id, v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(', ')])));")
    return [f"{impact} {rule}: {where}" for impact, rule, where in result if impact in ("serious", "critical")]


def photo_file(tmp_path) -> str:
    buf = BytesIO()
    Image.new("RGB", (800, 600), (90, 120, 200)).save(buf, "JPEG")
    path = tmp_path / "dah.jpg"
    path.write_bytes(buf.getvalue())
    return str(path)


def fill_and_send(driver, *, name: str, phone: str, email: str) -> None:
    driver.find_element(By.NAME, "description").send_keys("Тече дах над третім під'їздом")
    driver.find_element(By.NAME, "name").send_keys(name)
    driver.find_element(By.NAME, "phone").send_keys(phone)
    if email:
        driver.find_element(By.NAME, "email").send_keys(email)
    consent = driver.find_element(By.NAME, "consent")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", consent)
    consent.click()
    button = driver.find_element(By.ID, "submit-report")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
    button.click()


def choose_category(driver, city) -> None:
    radio = driver.find_element(By.CSS_SELECTOR, f"input[name=category][value='{city.cat.pk}']")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", radio)
    radio.click()


def test_a_resident_files_joins_and_confirms_on_a_phone_with_an_email_at_each_step(
        phone, live_server, city, smtp_server, tmp_path):
    driver = phone
    driver.get_log("performance")
    driver.get(live_server.url + "/")
    assert axe_serious(driver) == []
    box = wait(driver, lambda d: d.find_element(By.ID, "address-q"))
    box.send_keys("Дружби 3")
    driver.find_element(By.CSS_SELECTOR, "#address-search button").click()
    wait(driver, lambda d: "Дружби" in d.find_element(By.ID, "address-result").text)
    b = city.buildings["druzhby:3"]
    link = driver.find_element(By.ID, "report-link")
    wait(driver, lambda d: f"building={b.pk}" in link.get_attribute("href"))
    # The panel is a bottom sheet under the map on a phone: the map spans the width, the report button shows.
    assert driver.find_element(By.ID, "map").size["width"] >= 380 and link.is_displayed()
    link.click()

    wait(driver, lambda d: d.find_element(By.ID, "report-form"))
    assert "вода з даху чи зі стелі" in driver.page_source
    assert axe_serious(driver) == []
    assert driver.find_element(By.NAME, "building").get_attribute("value") == str(b.pk)
    choose_category(driver, city)
    driver.find_element(By.ID, "id_photos").send_keys(photo_file(tmp_path))
    fill_and_send(driver, name="Оксана Петренко", phone="050 123 45 67", email="oksana@example.org")
    number = wait(driver, lambda d: d.find_element(By.ID, "appeal-number")).text
    code = driver.find_element(By.ID, "tracking-code").text
    assert axe_serious(driver) == []
    appeal = Appeal.objects.get(number=number)
    assert appeal.photos.count() == 1 and appeal.status == Status.SENT
    notifications.send_pending()
    assert code in smtp_server.wait_for(1)[0].get_body(("plain",)).get_content()

    # A neighbour at the same building is offered the open appeal and joins it.
    driver.get(f"{live_server.url}/report/?building={b.pk}&lon={b.point.x}&lat={b.point.y}")
    choose_category(driver, city)
    join = wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, f"button.join[data-number='{number}']"))
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", join)
    join.click()
    wait(driver, lambda d: number in d.find_element(By.ID, "join-chosen").text)
    fill_and_send(driver, name="Іван Коваль", phone="067 000 11 22", email="")
    wait(driver, lambda d: "приєдналися" in d.find_element(By.TAG_NAME, "h1").text)
    assert Appeal.objects.count() == 1 and appeal.calls.count() == 1

    # The provider resolves: the resident hears of it and confirms on the tracking page.
    appeal = services.change_status(appeal=appeal, actor=city.operator, to_status=Status.ACCEPTED,
                                    version=Appeal.objects.get(pk=appeal.pk).version)
    services.change_status(appeal=appeal, actor=city.operator, to_status=Status.RESOLVED, version=appeal.version,
                           resolution="Покрівлю залатано")
    notifications.send_pending()
    mails = smtp_server.wait_for(3)
    assert "виконано" in str(mails[-1]["Subject"])

    driver.get(f"{live_server.url}/track/?number={number}&code={code}")
    wait(driver, lambda d: d.find_element(By.ID, "confirm-form"))
    assert "Покрівлю залатано" in driver.page_source and "** 67" in driver.page_source
    assert axe_serious(driver) == []
    for selector in ("input[name=outcome][value=confirmed]", "input[name=rating][value='5']"):
        el = driver.find_element(By.CSS_SELECTOR, selector)
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", el)
        el.click()
    driver.find_element(By.CSS_SELECTOR, "#confirm-form button[type=submit]").click()
    wait(driver, lambda d: d.find_element(By.ID, "story-status").get_attribute("data-status") == Status.CLOSED)
    appeal.refresh_from_db()
    assert (appeal.confirmation, appeal.rating) == (ConfirmationOutcome.CONFIRMED, 5)
    notifications.send_pending()
    assert "закрито" in str(smtp_server.wait_for(4)[-1]["Subject"])
    assert offsite_requests(driver) == []


def test_the_public_map_shows_the_status_mix_fans_out_one_building_and_names_streets(phone, live_server, registry):
    from django.contrib.gis.geos import LineString, MultiLineString

    from tests.integration.map_data import appeal

    b = registry.buildings
    x, y = b["parkova:12"].point.coords
    parkova = registry.streets["parkova"]
    parkova.geom = MultiLineString(LineString((x - 0.004, y - 0.0002), (x + 0.004, y - 0.0002)), srid=4326)
    parkova.save()
    for i, status in enumerate(["registered", "in_progress", "resolved"]):
        appeal(f"26-31000{i}", building=b["parkova:12"], status=status)
    appeal("26-310009", building=b["druzhby:3"], status="registered")
    driver = phone
    driver.execute_cdp_cmd("Network.clearBrowserCache", {})  # public APIs are cacheable: no answer of another test
    driver.get(live_server.url + "/")
    wait(driver, lambda d: d.find_element(By.ID, "map").get_attribute("data-state") == "ready")
    mix = wait(driver, lambda d: d.execute_script(
        "return Array.from(document.querySelectorAll('.cluster-donut circle')).map(c => c.getAttribute('class'))")
        or None)
    assert {"mix-open", "mix-progress", "mix-done"} <= set(mix)
    assert "у роботі" in driver.find_element(By.CSS_SELECTOR, ".legend").get_attribute("textContent")
    lon, lat = b["parkova:12"].point.coords
    driver.execute_script(f"window.ecityMap.setView([{lat}, {lon}], 18)")
    wait(driver, lambda d: d.find_element(By.ID, "map").get_attribute("data-zoom") == "18"
         and d.find_element(By.ID, "map").get_attribute("data-state") == "ready")
    spots = wait(driver, lambda d: d.execute_script(
        "return Array.from(document.querySelectorAll('.appeal-pin')).filter(p => p.dataset.number.startsWith('26-31000'))"
        ".map(p => { const r = p.getBoundingClientRect(); return [Math.round(r.x), Math.round(r.y)]; })") or None)
    assert len(spots) == 3 and len({tuple(s) for s in spots}) == 3  # three pins at one building, apart
    labels = wait(driver, lambda d: [e.text for e in d.find_elements(By.CLASS_NAME, "street-label")] or None)
    assert "Паркова" in labels
