"""Residents file appeals themselves (the online form, Open311): validated here, written by appeals services.

Two kinds are accepted and counted apart:

- a *formal appeal* under the Law of Ukraine "On citizens' appeals": name and phone given, with consent
  to personal-data processing (`Appeal.is_formal = True`);
- a *report* to the map: no name or phone (an e-mail for news is allowed); routed and fixed the same,
  but not a formal appeal (`is_formal = False`).

Every refusal is a FilingError whose `errors` map a form field to Ukrainian messages; nothing is written
before every check passed, and the appeal, its routes, photos and the notification commit together.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from appeals import online
from appeals.errors import AddressNotFound, AppealError, AppealNotFound
from appeals.models import Appeal, Channel
from appeals.notifications import queue_notification
from appeals.phones import phone_problem, ukrainian_e164
from appeals.services import resolve_place
from citizens import messages, ratelimit, selectors
from citizens.photos import MAX_PHOTOS, PhotoError, clean_photo
from geocoding import services as geocoding
from layers.models import Building, Category

log = logging.getLogger(__name__)

ONLINE_CHANNELS = (Channel.ONLINE, Channel.OPEN311, Channel.API)
# A pin this close to a building's outline is taken as that building (a thumb on a phone is not precise).
PIN_SNAP_M = 25.0
DESCRIPTION_MAX = 2000


class FilingError(AppealError):
    """Refused input: `errors` maps a field (category, place, description, photos, name, phone, email,
    consent, join) to Ukrainian messages; `code` is a stable English code for APIs."""

    def __init__(self, errors: dict[str, list[str]], code: str = "invalid") -> None:
        self.errors = errors
        self.code = code
        super().__init__("; ".join(m for msgs in errors.values() for m in msgs))


@dataclass(frozen=True)
class FilingResult:
    appeal: Appeal
    number: str
    tracking_code: str  # shown once; only its HMAC is stored ("" when joining someone else's appeal)
    held_for_review: bool
    is_formal: bool = False
    joined: bool = False  # "мене це теж стосується": a contact added to an existing appeal
    replayed: bool = False  # the same idempotency key again: the first submit's appeal
    warnings: list[str] = field(default_factory=list)


# --- tracking codes -------------------------------------------------------------------------------

# Crockford's base32: no I, L, O, U; 10 symbols = 50 bits.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CODE_LEN = 10


def normalize_code(code: str) -> str:
    """What a person types → the canonical code (case, dashes, spaces, O/0 and I/L/1 forgiven).

    >>> normalize_code(" abcde-fghjk "), normalize_code("o1l1i-00000")
    ('ABCDEFGHJK', '0111100000')
    """
    text = re.sub(r"[\s\-_.]", "", (code or "").upper())
    return text.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))


def format_code(code: str) -> str:
    return f"{code[:5]}-{code[5:]}"


def _encode(raw: bytes) -> str:
    n = int.from_bytes(raw[:8], "big") >> (64 - 5 * _CODE_LEN)
    return "".join(_ALPHABET[(n >> (5 * i)) & 31] for i in reversed(range(_CODE_LEN)))


def new_tracking_code(*, idempotency_key: str | None = None) -> str:
    """A private code of 50 random bits; derived from the submit's key when there is one, so a replayed
    submit (the same key) shows the same code without the code ever being stored."""
    import secrets

    if idempotency_key:
        raw = hmac.new(settings.SECRET_KEY.encode(), f"ecity-tracking-code:{idempotency_key}".encode(),
                       hashlib.sha256).digest()
    else:
        raw = secrets.token_bytes(8)
    return _encode(raw)


def hash_tracking_code(code: str) -> str:
    """HMAC-SHA256 under SECRET_KEY: a leaked table alone does not let anyone test codes offline."""
    return hmac.new(settings.SECRET_KEY.encode(), f"ecity-tracking:{normalize_code(code)}".encode(),
                    hashlib.sha256).hexdigest()


def code_matches(*, appeal: Appeal, code: str) -> bool:
    return bool(appeal.tracking_code_hash) and hmac.compare_digest(appeal.tracking_code_hash, hash_tracking_code(code))


# --- filing ---------------------------------------------------------------------------------------


def _add(errors: dict[str, list[str]], name: str, message: str) -> None:
    errors.setdefault(name, []).append(message)


def _category(category, errors) -> Category | None:
    if isinstance(category, Category):
        found = category
    else:
        qs = Category.objects.all()
        key = str(category or "").strip()
        found = (qs.filter(pk=int(key)).first() if key.isdigit() else qs.filter(code=key).first()) if key else None
    if found is None or not found.is_public or found.is_consultation:
        _add(errors, "category", "оберіть категорію зі списку")
        return None
    return found


def _place(*, building, lon, lat, address_text: str, errors):
    try:
        if building is not None:
            return resolve_place(building=building, address_text="")
        if lon is not None and lat is not None:
            lon, lat = float(lon), float(lat)
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                raise ValueError
            if not selectors.within_hromada(lon=lon, lat=lat):
                _add(errors, "place", "ця точка поза межами Краматорської громади: ми приймаємо звернення лише "
                                      "з її території")
                return None
            near = geocoding.reverse(lon=lon, lat=lat, max_distance_m=PIN_SNAP_M)
            if near is not None:
                return resolve_place(building=near.building_id)
            return resolve_place(lon=lon, lat=lat)
        if address_text.strip():
            return resolve_place(address_text=address_text)
    except (TypeError, ValueError):
        _add(errors, "place", "координати точки некоректні")
        return None
    except AddressNotFound as exc:
        _add(errors, "place", str(exc))
        return None
    _add(errors, "place", "вкажіть адресу або поставте точку на карті")
    return None


def _read(photo) -> bytes:
    if isinstance(photo, bytes | bytearray):
        return bytes(photo)
    size = getattr(photo, "size", None)
    if size is not None and size > 10 * 1024 * 1024:
        raise PhotoError("фото більше за 10 МБ")
    return photo.read(10 * 1024 * 1024 + 1)


def _photos(photos: Iterable, errors) -> list[online.PhotoData]:
    items = [p for p in (photos or ()) if p]
    if len(items) > MAX_PHOTOS:
        _add(errors, "photos", f"не більше {MAX_PHOTOS} фото")
        return []
    out = []
    for i, p in enumerate(items, 1):
        try:
            out.append(clean_photo(_read(p)))
        except PhotoError as exc:
            name = getattr(p, "name", "") or f"№{i}"
            _add(errors, "photos", f"фото {name}: {exc}")
    return out


def _contact(*, name: str, phone: str, email: str, consent: bool, notify: bool, errors) -> tuple[str, str, str]:
    name = " ".join((name or "").split())[:200]
    raw_phone = (phone or "").strip()
    email = (email or "").strip()
    norm = (ukrainian_e164(raw_phone) or "") if raw_phone else ""
    if raw_phone and not norm:
        _add(errors, "phone", phone_problem(raw_phone)
             or "потрібен український номер: 0XX XXX XX XX або +380 XX XXX XX XX")
    if name and not raw_phone:
        _add(errors, "phone", "для звернення за Законом потрібні ім'я та телефон (або залиште обидва поля порожніми "
                              "— тоді це буде повідомлення на карту)")
    if raw_phone and not name:
        _add(errors, "name", "вкажіть ім'я: звернення за Законом потребує імені та телефону")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            _add(errors, "email", "некоректна адреса e-mail")
    if (name or raw_phone or email) and not consent:
        _add(errors, "consent", "без згоди на обробку персональних даних ми не можемо зберегти ваші контакти")
    return name, norm, email


def file_online(
    *,
    category,
    description: str,
    lon: float | None = None,
    lat: float | None = None,
    building=None,
    address_text: str = "",
    name: str = "",
    phone: str = "",
    email: str = "",
    consent: bool = False,
    photos=(),
    channel: str = Channel.ONLINE,
    source_name: str = "",
    join_appeal=None,
    idempotency_key: str | None = None,
    notify: bool = True,
    client_ip: str = "",
    now: datetime | None = None,
) -> FilingResult:
    """File (or join) a resident's appeal. Raises FilingError with per-field messages; writes nothing then.

    `building` is a Building or its id; lon/lat a map pin (snapped to a building within 25 m, else kept
    as a point; outside the hromada refused); address_text is geocoded when neither is given.
    `join_appeal` (an appeal or its number) adds this resident as one more contact on it instead.
    `notify`: status changes are sent to the e-mail (else the phone) given, if any.
    """
    now = now or timezone.now()
    key = (idempotency_key or "").strip()[:64] or None
    if key:
        existing = Appeal.objects.filter(idempotency_key=key).select_related("category").first()
        if existing is not None:
            return FilingResult(appeal=existing, number=existing.number,
                                tracking_code=format_code(new_tracking_code(idempotency_key=key)),
                                held_for_review=existing.category.online_review_required and existing.needs_review,
                                is_formal=existing.is_formal, replayed=True)
    if channel not in ONLINE_CHANNELS:
        raise FilingError({"channel": ["невідомий канал"]}, code="invalid_channel")
    errors: dict[str, list[str]] = {}
    name, phone, email = _contact(name=name, phone=phone, email=email, consent=consent, notify=notify, errors=errors)

    if join_appeal is not None:
        return _join(join_appeal=join_appeal, phone=phone, email=email, description=description, key=key,
                     client_ip=client_ip, errors=errors, now=now)

    cat = _category(category, errors)
    description = (description or "").strip()
    if len(description) < 5:
        _add(errors, "description", "опишіть проблему (хоча б кілька слів)")
    elif len(description) > DESCRIPTION_MAX:
        _add(errors, "description", f"опис довший за {DESCRIPTION_MAX} символів")
    place = _place(building=building, lon=lon, lat=lat, address_text=address_text or "", errors=errors)
    cleaned = _photos(photos, errors)
    if errors:
        raise FilingError(errors)
    ratelimit.check_filing(ip=client_ip, phone=phone, now=now)

    code = new_tracking_code(idempotency_key=key)
    is_formal = bool(name and phone)
    held = cat.online_review_required
    try:
        # The files first, the rows after; a full or read-only media folder refuses the filing before any row.
        # No savepoint when a caller's transaction holds this one (Open311 adds its submission): nothing inside
        # is caught and retried, so a failure rolls all of it back.
        with online.photo_files(cleaned), transaction.atomic(savepoint=False):
            result = online.register_online(
                category=cat, place=place, description=description, channel=channel, name=name, phone=phone,
                email=email, is_formal=is_formal, tracking_code_hash=hash_tracking_code(code),
                notify=bool(notify and (email or phone)), hold_for_review=held, photos=cleaned,
                source_name=source_name, idempotency_key=key, now=now)
            appeal = result.appeal
            if result.created:
                _notify_filed(appeal=appeal, code=code, email=email, phone=phone)
    except online.PhotoStorageError as exc:
        raise FilingError({"photos": [str(exc)]}, code=exc.code) from exc
    ratelimit.count_filing(ip=client_ip, phone=phone, now=now)
    return FilingResult(appeal=appeal, number=appeal.number, tracking_code=format_code(code), held_for_review=held,
                        is_formal=is_formal, replayed=result.replayed)


def _join(*, join_appeal, phone: str, email: str, description: str, key, client_ip: str, errors, now) -> FilingResult:
    target = join_appeal
    if not isinstance(target, Appeal):
        target = Appeal.objects.filter(number=str(target).strip()).select_related("category").first()
    if target is None:
        _add(errors, "join", "такого звернення немає")
    if errors:
        raise FilingError(errors)
    ratelimit.check_filing(ip=client_ip, phone=phone, now=now)
    try:
        result = online.join_appeal(appeal=target, phone=phone, note=(description or "").strip()[:DESCRIPTION_MAX],
                                    idempotency_key=key, now=now)
    except (online.InvalidTransition, AppealNotFound) as exc:
        raise FilingError({"join": [str(exc)]}, code="appeal_closed") from exc
    ratelimit.count_filing(ip=client_ip, phone=phone, now=now)
    return FilingResult(appeal=result.appeal, number=result.appeal.number, tracking_code="", held_for_review=False,
                        is_formal=False, joined=True, replayed=result.replayed)


def _notify_filed(*, appeal: Appeal, code: str, email: str, phone: str) -> None:
    text = messages.filed(appeal=appeal, code=format_code(code))
    if email:
        queue_notification(channel="email", to=email, subject=text.subject, body=text.body, html_body=text.html,
                           appeal=appeal, dedupe_key=f"filed:{appeal.pk}:email", fresh_key=True)
    elif phone:
        queue_notification(channel="sms", to=phone, subject="", body=text.sms, appeal=appeal,
                           dedupe_key=f"filed:{appeal.pk}:sms", fresh_key=True)


def building_for_review(*, building_id: str, address: str) -> Building | None:
    """The building a dispatcher chose in the online queue: picked on the map or from the geocoder's list (its
    id), or typed as an address that the geocoder finds at one building. None when nothing was given; an
    address found nowhere or at several buildings is refused with a Ukrainian message."""
    if building_id.strip():
        building = find_building(building_id)
        if building is None:
            raise AppealError(_("Такого будинку немає в реєстрі: оберіть його на мапі."))
        return building
    if not address.strip():
        return None
    hits = [r for r in geocoding.geocode(query=address, limit=2) if r.building_id is not None]
    if not hits or hits[0].match == "ambiguous" or (len(hits) > 1 and hits[1].score >= hits[0].score):
        raise AppealError(_("Адресу «%(a)s» не знайдено однозначно: оберіть будинок зі списку або на мапі.")
                          % {"a": address.strip()[:80]})
    return find_building(hits[0].building_id)


def find_building(building_id) -> Building | None:
    try:
        return Building.objects.select_related("street").filter(pk=int(building_id)).first()
    except (TypeError, ValueError):
        return None
