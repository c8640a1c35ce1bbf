"""A second factor at sign-in (TOTP, django-otp) for administrators and deputy mayors.

Who: administrators (the role, superusers, and Django staff who use the admin) and supervisors (deputy
mayors) — the accounts that can see or change the most (``applies_to``). Anyone of them may enrol at
/accounts/two-factor/ (a QR code drawn here, offline, or the key typed into an authenticator app); from
then on their sign-in, on our page or the admin's, asks for the six-digit code after the password. With
``TWO_FACTOR_REQUIRED`` on, such a user without a confirmed device is sent to enrol before any other page.

Wrong codes: django-otp's throttling makes each next try wait twice as long (1, 2, 4 … s), and every
wrong code counts as a failed sign-in for django-axes, so the account and the address lock after
``AXES_FAILURE_LIMIT`` of them (passwords and codes together), unlocked by time or by an administrator.
An administrator removes a lost phone's device under Admin → OTP_TOTP → TOTP devices; the user enrols again.

>>> from django.contrib.auth.models import AnonymousUser
>>> applies_to(AnonymousUser())
False
"""

from __future__ import annotations

import base64
import io
import time
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from appeals import roles
from appeals.workflow import ADMINISTRATOR, SUPERVISOR

DEVICE_NAME = "E-City"
PENDING_KEY = "two_factor_pending"
PENDING_SECONDS = 300  # between the password and the code


def applies_to(user) -> bool:
    """Administrators (the role, superusers, Django staff) and supervisors (deputy mayors)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_staff or user.is_superuser or roles.role_of(user) in (ADMINISTRATOR, SUPERVISOR))


def required_for(user) -> bool:
    """True when the setting requires the second factor and the user is one of those it applies to."""
    return bool(getattr(settings, "TWO_FACTOR_REQUIRED", False)) and applies_to(user)


def confirmed_device(user) -> TOTPDevice | None:
    if user is None or user.pk is None:
        return None
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def enrolment_device(user) -> TOTPDevice:
    """The user's unconfirmed device (a new key), created once and kept until confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def secret_base32(device: TOTPDevice) -> str:
    """The key as authenticator apps take it by hand, in groups of four."""
    text = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i:i + 4] for i in range(0, len(text), 4))


def otpauth_url(device: TOTPDevice) -> str:
    issuer = getattr(settings, "TWO_FACTOR_ISSUER", "E-City 1505")
    label = quote(f"{issuer}:{device.user.get_username()}")
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return (f"otpauth://totp/{label}?secret={secret}&issuer={quote(issuer)}"
            f"&digits={device.digits}&period={device.step}")


def qr_svg(device: TOTPDevice) -> bytes:
    """The otpauth URL as an SVG QR code, drawn here (no outside service sees the key)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(otpauth_url(device), image_factory=qrcode.image.svg.SvgPathFillImage, box_size=10,
                        border=2)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue()


def _clean(token: str) -> str:
    return "".join(ch for ch in (token or "") if ch.isdigit())


def wait_seconds(device: TOTPDevice) -> int:
    """Seconds before django-otp's throttling lets the device check another code (0: now)."""
    allowed, data = device.verify_is_allowed()
    if allowed:
        return 0
    locked_until = (data or {}).get("locked_until")
    if locked_until is None:
        return 1
    from django.utils import timezone

    return max(1, int((locked_until - timezone.now()).total_seconds() + 0.999))


def check_code(*, device: TOTPDevice, token: str) -> bool:
    """One try of a code (throttled by django-otp; a used code is not accepted twice)."""
    token = _clean(token)
    if len(token) != device.digits:
        device.throttle_increment()
        return False
    return bool(device.verify_token(token))


def confirm(*, device: TOTPDevice, token: str) -> bool:
    """Confirm an enrolment with the first code the app shows; other devices of the user are removed."""
    if not check_code(device=device, token=token):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    return True


def remove(*, user) -> int:
    return TOTPDevice.objects.filter(user=user).delete()[0]


def count_failure(request, *, username: str) -> None:
    """A wrong code is a failed sign-in for django-axes (counted per user name and address)."""
    user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)


def mark_verified(request, device: TOTPDevice) -> None:
    otp_login(request, device)


# --- between the password and the code (in the anonymous session) -------------------------------------


def start_pending(request, *, user, backend: str, next_url: str) -> None:
    request.session[PENDING_KEY] = {"user": user.pk, "backend": backend, "next": next_url, "at": time.time()}


def pending(request) -> dict | None:
    data = request.session.get(PENDING_KEY)
    if not data or time.time() - data.get("at", 0) > PENDING_SECONDS:
        return None
    return data


def clear_pending(request) -> None:
    request.session.pop(PENDING_KEY, None)


def backend_of(user) -> str:
    return getattr(user, "backend", None) or settings.AUTHENTICATION_BACKENDS[-1]

