"""Open311 API keys: made (shown once), listed, revoked, checked on every POST, rate-limited per key.

The rate limit counts the key's submissions of the last minute in PostgreSQL (one indexed count), so it
holds across workers and while Redis is down.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from citizens.open311.models import ApiKey, Submission

KEY_PREFIX = "o311_"


class KeyProblem(ValueError):
    """A key that cannot be made or revoked (message for a person)."""


@dataclass(frozen=True)
class NewKey:
    api_key: ApiKey
    key: str  # the only time the key is seen


def digest(key: str) -> str:
    """SHA-256 of the key: keys are 256 random bits, so no slow hash is needed (nor affordable per request)."""
    return hashlib.sha256(key.strip().encode()).hexdigest()


def create_key(*, name: str, rate_limit_per_minute: int | None = None, note: str = "") -> NewKey:
    slug = slugify(name)
    if not slug or slug != name:
        raise KeyProblem(f"назва ключа має бути з латинських літер, цифр і дефісів, напр. «{slug or 'fixmystreet'}»")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    try:
        with transaction.atomic():
            api_key = ApiKey.objects.create(name=name, prefix=key[:12], digest=digest(key),
                                            rate_limit_per_minute=rate_limit_per_minute, note=note)
    except IntegrityError as exc:
        raise KeyProblem(f"ключ «{name}» уже є; відкличте його або оберіть іншу назву") from exc
    return NewKey(api_key=api_key, key=key)


def revoke_key(*, name: str, now: dt.datetime | None = None) -> ApiKey:
    api_key = ApiKey.objects.filter(name=name).first()
    if api_key is None:
        raise KeyProblem(f"ключа «{name}» немає")
    if api_key.revoked_at is None:
        api_key.revoked_at = now or timezone.now()
        api_key.save(update_fields=["revoked_at"])
    return api_key


def list_keys() -> list[ApiKey]:
    return list(ApiKey.objects.order_by("name"))


class KeyRefused(Exception):
    """No key, an unknown key or a revoked one: `code` is the stable English code, str() for a person."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class RateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"забагато запитів з цим ключем; повторіть за {retry_after} с")
        self.retry_after = retry_after


def authenticate(*, key: str, now: dt.datetime) -> ApiKey:
    if not key or not key.strip():
        raise KeyRefused("api_key_missing", "потрібен api_key: ключ видає адміністратор E-City")
    api_key = ApiKey.objects.filter(digest=digest(key)).first()
    if api_key is None:
        raise KeyRefused("api_key_invalid", "невідомий api_key")
    if api_key.revoked_at is not None:
        raise KeyRefused("api_key_revoked", "цей api_key відкликано")
    if api_key.last_used_at is None or now - api_key.last_used_at > dt.timedelta(minutes=1):
        # At most one write a minute per key, not one per request.
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
    return api_key


def check_rate(*, api_key: ApiKey, now: dt.datetime) -> None:
    """Raise RateLimited when the key has filed its limit within the last minute."""
    limit = api_key.rate_limit_per_minute or settings.OPEN311_RATE_LIMIT_PER_MINUTE
    since = now - dt.timedelta(minutes=1)
    # The limit-th newest submission of the last minute, if there is one (one row, not the minute's list).
    oldest = next(iter(Submission.objects.filter(api_key=api_key, created_at__gt=since)
                       .order_by("-created_at").values_list("created_at", flat=True)[limit - 1:limit]), None)
    if oldest is not None:
        raise RateLimited(max(1, int((oldest + dt.timedelta(minutes=1) - now).total_seconds()) + 1))
