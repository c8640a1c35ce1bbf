"""POST requests: an Open311 client's form → checks as the spec wants them → online filing (citizens.services).

The appeal is filed by the same service as the online form (channel ``open311``, the key's name as its
source), so routing, deadlines, the dispatcher's "online — to check" queue and the privacy rules are the
same. What only Open311 brings (the key, the client's account and device ids, the answers to the
category's questions, media URLs) is kept in a Submission beside the appeal, in the same transaction.

Media URLs are kept for the dispatcher, never fetched: the system works offline and fetching a URL a
client names would let it make our server call anywhere.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from appeals.models import Channel
from citizens import selectors as citizens_selectors
from citizens import services as filing
from citizens.open311 import selectors
from citizens.open311.models import ApiKey, Datatype, ServiceAttribute, Submission
from citizens.ratelimit import RateLimited
from geocoding import services as geocoding
from layers.models import Building, Category

DESCRIPTION_MAX = 2000
MAX_ATTRIBUTES = 40
ATTRIBUTE_MAX = 500
# Geocoder matches precise enough to file on without a person choosing (as appeals.services).
_SURE = ("exact", "alias", "fuzzy")


class Refused(Exception):
    """A refusal in the spec's terms: HTTP status, a stable English code, a Ukrainian message (+ more errors)."""

    def __init__(self, status: int, code: str, message: str, more: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.more = more or []


@dataclass(frozen=True)
class RequestForm:
    service_code: str
    lat: str = ""
    long: str = ""
    address_string: str = ""
    address_id: str = ""
    description: str = ""
    media_urls: tuple[str, ...] = ()
    media: tuple = ()  # uploaded photos (multipart "media"), stored as the residents' form stores them
    attributes: dict[str, list[str]] = field(default_factory=dict)
    email: str = ""
    device_id: str = ""
    account_id: str = ""
    first_name: str = ""
    last_name: str = ""
    phone: str = ""


@dataclass(frozen=True)
class SubmitResult:
    number: str | None
    token: str | None
    service_notice: str
    account_id: str


def _category(code: str) -> Category:
    if not code:
        raise Refused(400, "service_code_missing", "потрібен service_code (перелік — GET services)")
    category = Category.objects.filter(code=code, is_public=True, is_consultation=False).first()
    if category is None:
        raise Refused(404, "service_code_not_found", f"послуги «{code}» немає (перелік — GET services)")
    return category


def _coordinate(raw: str, name: str, low: float, high: float) -> float:
    try:
        value = float(raw.replace(",", "."))
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise Refused(400, f"{name}_invalid", f"{name}: число в градусах WGS84 від {low} до {high}")
    return value


@dataclass(frozen=True)
class _Location:
    building: Building | None = None
    lon: float | None = None
    lat: float | None = None


def _location(form: RequestForm) -> _Location:
    """address_id (our building id) first, then lat/long, then address_string through our geocoder."""
    address_id = form.address_id
    if address_id and address_id.isdigit():
        building = Building.objects.select_related("street").filter(pk=int(address_id)).first()
        if building is None:
            raise Refused(404, "address_id_not_found", f"будинку з address_id {address_id} немає в реєстрі")
        return _Location(building=building)
    if form.lat or form.long:
        if not (form.lat and form.long):
            raise Refused(400, "location_invalid", "потрібні обидва: lat і long")
        lat = _coordinate(form.lat, "lat", -90, 90)
        lon = _coordinate(form.long, "long", -180, 180)
        if not citizens_selectors.within_hromada(lon=lon, lat=lat):
            raise Refused(400, "location_outside_jurisdiction",
                          "ця точка поза межами Краматорської громади: звернення приймаються лише з її території")
        return _Location(lon=lon, lat=lat)
    if form.address_string:
        try:
            found = geocoding.geocode(query=form.address_string, limit=5)
        except geocoding.InvalidQuery as exc:
            raise Refused(400, "address_string_invalid", str(exc)) from exc
        if found and found[0].building_id is not None and found[0].match in _SURE:
            return _Location(building=Building.objects.select_related("street").get(pk=found[0].building_id))
        if found and found[0].address_id is not None and found[0].match in _SURE:
            # An address point with no building outline in the registry: filed at its point.
            return _Location(lon=found[0].lon, lat=found[0].lat)
        if found:
            options = "; ".join(r.address for r in found)
            raise Refused(400, "address_string_ambiguous",
                          f"адресу «{form.address_string}» не визначено однозначно; можливо: {options}")
        raise Refused(400, "address_string_not_found", f"адресу «{form.address_string}» не знайдено")
    if address_id:
        raise Refused(400, "address_id_invalid", "address_id — номер будинку в нашому реєстрі (ціле число)")
    raise Refused(400, "location_missing", "потрібне місце: lat і long, address_string або address_id")


def _check_value(attr: ServiceAttribute, values: list[str]) -> str:
    """One answer checked against its datatype; returns it as text for the dispatcher."""
    bad = Refused(400, "attribute_invalid", f"attribute[{attr.code}]: {attr.datatype_description or attr.datatype}")
    if attr.datatype == Datatype.MULTI:
        keys = attr.value_keys()
        if any(v not in keys for v in values):
            raise bad
        names = {str(v["key"]): v["name"] for v in attr.values}
        return ", ".join(names[v] for v in dict.fromkeys(values))
    if len(values) > 1:
        raise bad
    value = values[0]
    if attr.datatype == Datatype.SINGLE:
        names = {str(v["key"]): v["name"] for v in attr.values}
        if value not in names:
            raise bad
        return names[value]
    if attr.datatype == Datatype.NUMBER:
        try:
            float(value.replace(",", "."))
        except ValueError:
            raise bad from None
        return value
    if attr.datatype == Datatype.DATETIME:
        try:
            when = parse_datetime(value) or (parse_date(value) and dt.datetime.combine(parse_date(value), dt.time.min))
        except ValueError:
            when = None
        if not when:
            raise bad
        if timezone.is_naive(when):
            when = timezone.make_aware(when, selectors.KYIV)
        return f"{when.astimezone(selectors.KYIV):%d.%m.%Y %H:%M}"
    return value[:ATTRIBUTE_MAX]


def _answers(category: Category, given: dict[str, list[str]]) -> tuple[list[str], dict[str, list[str]]]:
    """Lines for the dispatcher (question: answer) and everything given, bounded.

    Codes the category does not ask (FixMyStreet adds its own, such as fixmystreet_id) are kept, unchecked.
    """
    if len(given) > MAX_ATTRIBUTES:
        raise Refused(400, "attribute_invalid", f"не більше {MAX_ATTRIBUTES} атрибутів")
    lines, missing = [], []
    for attr in ServiceAttribute.objects.filter(category=category).order_by("order", "code"):
        values = [v.strip() for v in given.get(attr.code, []) if v.strip()]
        if not values:
            if attr.required:
                missing.append(attr)
            continue
        lines.append(f"{attr.description} {_check_value(attr, values)}")
    if missing:
        first, *rest = missing
        raise Refused(400, "attribute_required", f"потрібна відповідь: attribute[{first.code}] — {first.description}",
                      more=[("attribute_required", f"потрібна відповідь: attribute[{a.code}] — {a.description}")
                            for a in rest])
    kept = {k[:64]: [v[:ATTRIBUTE_MAX] for v in vs][:10] for k, vs in given.items()}
    return lines, kept


def _notice(*, number: str | None, deadline: dt.datetime, held: bool) -> str:
    when = f"{deadline.astimezone(selectors.KYIV):%d.%m.%Y %H:%M}"
    if held:
        return f"Звернення прийнято; його перевірить диспетчер, номер буде за токеном. Строк виконання — до {when}."
    return f"Звернення зареєстровано за № {number}. Строк виконання — до {when}."


_FIELD_CODES = {"place": "location_invalid", "description": "description_invalid", "phone": "phone_invalid",
                "name": "name_invalid", "email": "email_invalid", "category": "service_code_not_found",
                "photos": "media_invalid", "consent": "consent_required"}


def submit_request(*, api_key: ApiKey, form: RequestForm, now: dt.datetime | None = None) -> SubmitResult:
    """File an Open311 request as an appeal; returns its number, or a token while a dispatcher checks it.

    The client's own id for the report (FixMyStreet's attribute[fixmystreet_id]) makes a retried POST
    return the first appeal instead of filing it twice.
    """
    now = now or timezone.now()
    category = _category(form.service_code)
    place = _location(form)
    lines, kept = _answers(category, form.attributes)
    description = (form.description or "").strip()
    if len(description) > DESCRIPTION_MAX:
        raise Refused(400, "description_invalid", f"опис довший за {DESCRIPTION_MAX} символів")
    extra = []
    if lines:
        extra.append("Додатково: " + "; ".join(lines))
    if form.media_urls:
        extra.append("Посилання на фото від клієнта (не перевірено): " + " ".join(form.media_urls[:3]))
    full = "\n\n".join([description, *extra]).strip()[:DESCRIPTION_MAX]
    name = " ".join(f"{form.first_name} {form.last_name}".split())
    client_ref = (kept.get("fixmystreet_id") or [""])[0]
    key = f"open311:{api_key.pk}:{client_ref}"[:64] if client_ref else None
    try:
        with transaction.atomic():
            result = filing.file_online(
                category=category, description=full, building=place.building, lon=place.lon, lat=place.lat,
                name=name, phone=form.phone, email=form.email,
                # The client collected the resident's consent under its own terms before sending us the data.
                consent=bool(name or form.phone or form.email),
                channel=Channel.OPEN311, source_name=api_key.name, idempotency_key=key,
                # The client tells its users itself (it follows servicerequestupdates); no mail from us too.
                notify=False, now=now, photos=form.media,
            )
            # A retried POST (the same client id) has its submission already; a new appeal has none to look for.
            submission = Submission.objects.filter(appeal=result.appeal).first() if result.replayed else None
            if submission is None:
                submission = Submission.objects.create(
                    appeal=result.appeal, api_key=api_key, account_id=form.account_id[:100],
                    device_id=form.device_id[:100], attributes=kept, media_urls=list(form.media_urls[:10]),
                    token=secrets.token_urlsafe(18) if result.held_for_review else None, created_at=now,
                )
    except filing.FilingError as exc:
        if exc.code == "media_unavailable":  # our storage, not the client's request: try again later
            raise Refused(503, exc.code, str(exc)) from exc
        items = [(_FIELD_CODES.get(f, f"{f}_invalid"), m) for f, msgs in exc.errors.items() for m in msgs]
        (code, message), *more = items or [("invalid", str(exc))]
        raise Refused(400, code, message, more=more) from exc
    except RateLimited as exc:
        raise Refused(429, "rate_limited", str(exc)) from exc
    held = bool(result.held_for_review and submission.token)
    return SubmitResult(number=None if held else result.number, token=submission.token if held else None,
                        service_notice=_notice(number=result.number, deadline=result.appeal.deadline, held=held),
                        account_id=form.account_id)
