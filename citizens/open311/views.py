"""Open311 GeoReport v2 over HTTP: thin adapters from query strings and forms to selectors and services.

Plain Django views (no DRF machinery per request: a list of 1,000 requests is the hot path); the OpenAPI
description of every path is in schema.py. Every refusal is the spec's error list, in the format asked for.
"""

from __future__ import annotations

import datetime as dt
import functools
import re

from django.conf import settings
from django.core.exceptions import BadRequest, RequestDataTooBig, TooManyFieldsSent
from django.http import HttpResponseRedirect
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.views.decorators.csrf import csrf_exempt

from citizens.open311 import keys, selectors, services
from citizens.open311.formats import Open311Error, error_response, respond

SPEC_URL = "http://wiki.open311.org/GeoReport_v2"
_ATTRIBUTE = re.compile(r"^attribute\[([^\]]+)\](?:\[\])?$")


def _param(request, name: str) -> str:
    return (request.POST.get(name) if request.method == "POST" else None) or request.GET.get(name) or ""


def _endpoint(*methods: str):
    """Methods allowed, the jurisdiction checked, Open311Error answered in the requested format.

    CSRF does not apply: no endpoint reads a session or a cookie (a POST is authorised by its api_key).
    """

    def wrap(view):
        @csrf_exempt
        @functools.wraps(view)
        def inner(request, fmt: str, **kwargs):
            try:
                if request.method == "POST":
                    try:
                        request.POST  # noqa: B018 (parse now, so that a broken body gets the spec's error)
                    except (MultiPartParserError, RequestDataTooBig, TooManyFieldsSent, BadRequest) as exc:
                        raise Open311Error(400, "body_invalid", "тіло запиту не розібрати: потрібна форма "
                                           "application/x-www-form-urlencoded") from exc
                if request.method not in methods:
                    raise Open311Error(405, "method_not_allowed",
                                       f"метод {request.method} тут не підтримується; можна: {', '.join(methods)}",
                                       headers={"Allow": ", ".join(methods)})
                jurisdiction = _param(request, "jurisdiction_id").strip()
                if jurisdiction and jurisdiction != settings.OPEN311_JURISDICTION_ID:
                    raise Open311Error(404, "jurisdiction_not_found",
                                       f"невідомий jurisdiction_id; тут лише «{settings.OPEN311_JURISDICTION_ID}»")
                return view(request, fmt, **kwargs)
            except Open311Error as exc:
                return error_response(fmt, exc)

        return inner

    return wrap


def discovery_redirect(request):
    return HttpResponseRedirect("discovery.json")


@_endpoint("GET", "HEAD")
def discovery(request, fmt: str):
    changed = selectors.changeset()
    url = request.build_absolute_uri("/open311/v2/")
    content = {
        "changeset": selectors.w3c(changed) if changed else None,
        "contact": settings.OPEN311_CONTACT,
        "key_service": settings.OPEN311_KEY_SERVICE,
        "endpoints": [{
            "specification": SPEC_URL, "url": url, "changeset": selectors.w3c(changed) if changed else None,
            "type": "production", "formats": ["text/xml", "application/json"],
        }],
    }
    return respond(fmt, "discovery", None, content)


@_endpoint("GET", "HEAD")
def services_list(request, fmt: str):
    return respond(fmt, "services", "service", selectors.services())


@_endpoint("GET", "HEAD")
def service_definition(request, fmt: str, service_code: str):
    definition = selectors.service_definition(code=service_code)
    if definition is None:
        raise Open311Error(404, "service_code_not_found", f"послуги «{service_code}» немає (перелік — GET services)")
    return respond(fmt, "service_definition", None, definition)


def _datetime(request, name: str) -> dt.datetime | None:
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None
    try:
        value = parse_datetime(raw.replace(" ", "+"))  # a '+' left unencoded in a query string arrives as a space
        if value is None:
            day = parse_date(raw)
            value = dt.datetime.combine(day, dt.time.min) if day else None
    except ValueError:
        value = None
    if value is None:
        raise Open311Error(400, f"{name}_invalid", f"{name}: потрібна дата й час W3C, напр. 2026-12-01T00:00:00+02:00")
    if timezone.is_naive(value):
        value = timezone.make_aware(value, selectors.KYIV)
    offset = value.utcoffset()
    if offset is None or abs(offset) > dt.timedelta(hours=14):
        raise Open311Error(400, f"{name}_invalid", f"{name}: зсув часового поясу від −14:00 до +14:00")
    try:
        return value.astimezone(dt.UTC)
    except OverflowError as exc:
        raise Open311Error(400, f"{name}_invalid", f"{name}: дата поза допустимим діапазоном") from exc


def _int(request, name: str, *, default: int, low: int, high: int) -> int:
    raw = request.GET.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise Open311Error(400, f"{name}_invalid", f"{name}: ціле число від {low} до {high}")
    return value


def _list(request, name: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v.strip() for v in request.GET.get(name, "").split(",") if v.strip()))


def _period(request, *, default_span: dt.timedelta, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    start, end = _datetime(request, "start_date"), _datetime(request, "end_date")
    end = end or now
    start = start or end - default_span
    if start > end:
        raise Open311Error(400, "date_range_invalid", "start_date пізніше за end_date")
    if end - start > selectors.MAX_SPAN:
        raise Open311Error(400, "date_range_too_long", "між start_date і end_date не більше 90 днів")
    return start, end


def _pages(request) -> tuple[int, int]:
    return (_int(request, "page", default=1, low=1, high=100_000),
            _int(request, "page_size", default=selectors.MAX_ROWS, low=1, high=selectors.MAX_ROWS))


@_endpoint("GET", "HEAD", "POST")
def requests(request, fmt: str):
    if request.method == "POST":
        return _post_request(request, fmt)
    now = timezone.now()
    numbers = _list(request, "service_request_id")
    if len(numbers) > selectors.MAX_ROWS:
        raise Open311Error(400, "service_request_id_invalid", "не більше 1000 номерів за раз")
    statuses = _list(request, "status")
    if any(s not in ("open", "closed") for s in statuses):
        raise Open311Error(400, "status_invalid", "status: open, closed або обидва через кому")
    start, end = _period(request, default_span=selectors.MAX_SPAN, now=now)
    page, page_size = _pages(request)
    query = selectors.RequestQuery(numbers=numbers, codes=_list(request, "service_code"), start=start, end=end,
                                   statuses=statuses, page=page, page_size=page_size)
    return respond(fmt, "service_requests", "request", selectors.requests(query=query, now=now))


@_endpoint("GET", "HEAD")
def request_one(request, fmt: str, service_request_id: str):
    row = selectors.request(number=service_request_id, now=timezone.now())
    if row is None:
        raise Open311Error(404, "service_request_not_found", f"звернення № {service_request_id} немає серед публічних")
    return respond(fmt, "service_requests", "request", [row])


@_endpoint("GET", "HEAD")
def token(request, fmt: str, token: str):
    row = selectors.token(token=token)
    if row is None:
        raise Open311Error(404, "token_not_found", "такого токена немає")
    return respond(fmt, "service_requests", "request", [row])


@_endpoint("GET", "HEAD")
def updates(request, fmt: str):
    now = timezone.now()
    start, end = _period(request, default_span=selectors.UPDATES_DEFAULT_SPAN, now=now)
    page, page_size = _pages(request)
    rows = selectors.updates(start=start, end=end, now=now, page=page, page_size=page_size)
    return respond(fmt, "service_requests_updates", "request_update", rows)


def _post_request(request, fmt: str):
    now = timezone.now()
    try:
        api_key = keys.authenticate(key=_param(request, "api_key"), now=now)
    except keys.KeyRefused as exc:
        raise Open311Error(403, exc.code, str(exc)) from exc
    try:
        keys.check_rate(api_key=api_key, now=now)
    except keys.RateLimited as exc:
        raise Open311Error(429, "rate_limited", str(exc), headers={"Retry-After": str(exc.retry_after)}) from exc
    attributes: dict[str, list[str]] = {}
    for name in request.POST:
        m = _ATTRIBUTE.match(name)
        if m:
            attributes.setdefault(m.group(1), []).extend(v for v in request.POST.getlist(name) if v != "")
    form = services.RequestForm(
        service_code=request.POST.get("service_code", "").strip(),
        lat=request.POST.get("lat", "").strip(), long=request.POST.get("long", "").strip(),
        address_string=request.POST.get("address_string", "").strip(),
        address_id=request.POST.get("address_id", "").strip(),
        description=request.POST.get("description", ""),
        media_urls=tuple(u.strip() for u in request.POST.getlist("media_url") if u.strip()),
        media=tuple(request.FILES.getlist("media")),
        attributes=attributes,
        email=request.POST.get("email", "").strip(), device_id=request.POST.get("device_id", "").strip(),
        account_id=request.POST.get("account_id", "").strip(),
        first_name=request.POST.get("first_name", "").strip(), last_name=request.POST.get("last_name", "").strip(),
        phone=request.POST.get("phone", "").strip(),
    )
    try:
        result = services.submit_request(api_key=api_key, form=form, now=now)
    except services.Refused as exc:
        raise Open311Error(exc.status, exc.code, str(exc), more=exc.more) from exc
    row: dict = {"token": result.token} if result.token else {"service_request_id": result.number}
    row["service_notice"] = result.service_notice
    row["account_id"] = result.account_id or None
    return respond(fmt, "service_requests", "request", [row], status=201)
