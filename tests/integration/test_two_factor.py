"""TOTP second factor (appeals.two_factor): enrolment, the code step at sign-in, lockout, the requirement.

Codes are computed as an authenticator app does, from the device's key (django_otp.oath.totp).
"""

import pytest
from django.conf import settings
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests import factories

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"
CODE = "/accounts/login/code/"
SETUP = "/accounts/two-factor/"
PASSWORD = "Kramatorsk-deputy-2026"


def code_of(device: TOTPDevice, *, offset_steps: int = 0) -> str:
    """The code the user's phone shows now (or a step earlier/later)."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset_steps):06d}"


@pytest.fixture
def deputy():
    return factories.staff("deputy", "supervisor", password=PASSWORD)


@pytest.fixture
def enrolled(deputy):
    return TOTPDevice.objects.create(user=deputy, name="E-City", confirmed=True)


@pytest.fixture
def no_throttle(settings):
    # django-otp waits 1, 2, 4 … s after each wrong code; the lockout test is about axes' count.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_a_deputy_mayor_enrols_by_scanning_our_qr_code_and_confirming_the_first_code(client, deputy):
    client.force_login(deputy)
    page = client.get(SETUP)
    assert page.status_code == 200
    body = page.content.decode()
    assert "Відскануйте QR-код" in body and 'src="/accounts/two-factor/qr.svg"' in body
    qr = client.get(SETUP + "qr.svg")
    assert qr.status_code == 200 and qr["Content-Type"] == "image/svg+xml" and b"<svg" in qr.content
    assert "no-store" in qr["Cache-Control"]
    device = TOTPDevice.objects.get(user=deputy)
    assert not device.confirmed
    # The key shown for typing by hand is the device's key.
    import base64

    shown = body.split('id="two-factor-secret">')[1].split("<")[0].replace(" ", "")
    assert base64.b32decode(shown + "=" * (-len(shown) % 8)) == device.bin_key
    wrong = client.post(SETUP, {"action": "confirm", "code": "000000" if code_of(device) != "000000" else "111111"})
    assert wrong.status_code == 400 and "Невірний код" in wrong.content.decode()
    device.refresh_from_db()
    device.throttle_reset()
    done = client.post(SETUP, {"action": "confirm", "code": code_of(device)}, follow=True)
    assert "Двофакторний вхід увімкнено" in done.content.decode()
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(SETUP + "qr.svg").status_code == 404  # the key is never shown again


def test_with_a_confirmed_device_the_password_alone_does_not_sign_in(client, enrolled):
    response = client.post(LOGIN, {"username": "deputy", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == CODE
    assert not _signed_in(client)
    page = client.get(CODE)
    assert "Введіть шестизначний код" in page.content.decode()
    assert client.get("/control/").status_code == 302  # still signed out: to the login page


def test_the_right_code_signs_in_and_the_session_is_verified(client, enrolled):
    client.post(LOGIN, {"username": "deputy", "password": PASSWORD, "next": "/control/"})
    response = client.post(CODE, {"code": code_of(enrolled)})
    assert response.status_code == 302 and response["Location"] == "/control/"
    assert _signed_in(client)
    from django_otp import DEVICE_ID_SESSION_KEY

    assert client.session[DEVICE_ID_SESSION_KEY] == enrolled.persistent_id
    assert client.get("/control/").status_code == 200


def test_a_wrong_code_is_refused_in_ukrainian_and_a_used_code_is_not_accepted_twice(client, enrolled, no_throttle):
    client.post(LOGIN, {"username": "deputy", "password": PASSWORD})
    right = code_of(enrolled)
    wrong = client.post(CODE, {"code": f"{(int(right) + 1) % 1_000_000:06d}"})
    assert wrong.status_code == 400 and "Невірний код" in wrong.content.decode()
    assert not _signed_in(client)
    assert client.post(CODE, {"code": right}).status_code == 302
    client.logout()
    client.post(LOGIN, {"username": "deputy", "password": PASSWORD})
    replay = client.post(CODE, {"code": right})  # the same code again, within its 30 s
    assert replay.status_code == 400 and not _signed_in(client)


def test_django_otp_makes_the_next_try_wait_after_a_wrong_code(client, enrolled):
    client.post(LOGIN, {"username": "deputy", "password": PASSWORD})
    client.post(CODE, {"code": "12345"})  # too short: a wrong code all the same
    response = client.post(CODE, {"code": code_of(enrolled)})
    assert response.status_code == 400 and "Забагато невдалих спроб" in response.content.decode()
    assert not _signed_in(client)


def test_repeated_wrong_codes_lock_the_account_and_the_right_code_is_then_refused(client, enrolled, no_throttle):
    client.post(LOGIN, {"username": "deputy", "password": PASSWORD})
    right = code_of(enrolled)
    wrong = f"{(int(right) + 7) % 1_000_000:06d}"
    answers = [client.post(CODE, {"code": wrong}).status_code for _ in range(settings.AXES_FAILURE_LIMIT)]
    assert answers[:-1] == [400] * (settings.AXES_FAILURE_LIMIT - 1)
    assert answers[-1] == 429
    locked = client.post(CODE, {"code": right})
    assert locked.status_code in (302, 429) and not _signed_in(client)
    # The password step is locked too, with the Ukrainian lockout page.
    again = Client().post(LOGIN, {"username": "deputy", "password": PASSWORD})
    assert again.status_code == 429 and "Вхід тимчасово заблоковано" in again.content.decode()


def test_the_code_step_expires_and_cannot_be_reached_without_the_password(client, enrolled):
    assert client.get(CODE).status_code == 302
    client.post(LOGIN, {"username": "deputy", "password": PASSWORD})
    session = client.session
    session["two_factor_pending"]["at"] -= 3600
    session.save()
    assert client.post(CODE, {"code": code_of(enrolled)}).status_code == 302
    assert not _signed_in(client)


def test_the_admin_login_form_asks_for_the_code_too(client):
    admin = factories.staff("chief", "administrator", password=PASSWORD)
    admin.is_staff = True
    admin.save()
    device = TOTPDevice.objects.create(user=admin, name="E-City", confirmed=True)
    page = client.get("/admin/login/?next=/admin/")
    assert page.status_code == 200 and 'id="login-form"' in page.content.decode()
    response = client.post("/admin/login/?next=/admin/", {"username": "chief", "password": PASSWORD, "next": "/admin/"})
    assert response.status_code == 302 and response["Location"] == CODE
    assert not _signed_in(client)
    assert client.post(CODE, {"code": code_of(device)})["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_users_without_a_device_and_other_roles_sign_in_with_the_password_as_before(client, deputy):
    assert client.post(LOGIN, {"username": "deputy", "password": PASSWORD}).status_code == 302
    assert _signed_in(client)
    dispatcher = factories.staff("disp", "dispatcher")
    other = Client()
    other.force_login(dispatcher)
    assert other.get(SETUP).status_code == 403  # enrolment is for administrators and deputy mayors


def test_when_required_a_deputy_mayor_without_a_device_is_sent_to_enrol_first(client, deputy, settings):
    settings.TWO_FACTOR_REQUIRED = True
    client.post(LOGIN, {"username": "deputy", "password": PASSWORD})
    response = client.get("/control/")
    assert response.status_code == 302 and response["Location"].startswith(SETUP)
    api = client.get("/api/v1/appeals")
    assert api.status_code == 403 and api.json()["code"] == "two_factor_required"
    page = client.get(SETUP)
    assert "Для вашої ролі потрібен двофакторний вхід" in page.content.decode()
    device = TOTPDevice.objects.get(user=deputy, confirmed=False)
    client.post(SETUP, {"action": "confirm", "code": code_of(device)})
    assert client.get("/control/").status_code == 200
    # And it cannot be switched off while required.
    refused = client.post(SETUP, {"action": "disable", "code": code_of(device, offset_steps=1)})
    assert refused.status_code == 400 and TOTPDevice.objects.filter(user=deputy, confirmed=True).exists()


def test_when_required_a_dispatcher_is_not_asked(client, settings):
    settings.TWO_FACTOR_REQUIRED = True
    dispatcher = factories.staff("disp2", "dispatcher")
    client.force_login(dispatcher)
    assert client.get("/dispatch/").status_code == 200


def test_a_session_signed_in_before_the_requirement_gives_the_code_before_going_on(client, enrolled, settings):
    settings.TWO_FACTOR_REQUIRED = True
    client.force_login(enrolled.user)  # a password-only session (e.g. from before the switch)
    response = client.get("/control/")
    assert response["Location"].startswith(SETUP)
    assert "Цей сеанс ще не підтверджено кодом" in client.get(SETUP).content.decode()
    done = client.post(SETUP + "?next=/control/", {"action": "verify", "code": code_of(enrolled)})
    assert done.status_code == 302 and done["Location"] == "/control/"
    assert client.get("/control/").status_code == 200


def test_switching_it_off_needs_a_current_code(client, enrolled, no_throttle):
    client.force_login(enrolled.user)
    from appeals import two_factor

    # Verified in this session (as after the code step).
    session_client = client
    session_client.post(SETUP, {"action": "verify", "code": code_of(enrolled)})
    assert session_client.post(SETUP, {"action": "disable", "code": "000001"}).status_code == 400
    done = session_client.post(SETUP, {"action": "disable", "code": code_of(enrolled, offset_steps=1)}, follow=True)
    assert "Двофакторний вхід вимкнено" in done.content.decode()
    assert two_factor.confirmed_device(enrolled.user) is None
