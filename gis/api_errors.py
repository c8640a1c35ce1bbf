"""API errors: Ukrainian text for people, a stable English code for programs.

Every error body of our JSON APIs has the same shape::

    {"detail": "<Ukrainian sentence>", "code": "<stable_english_code>", "errors": {"field": ["..."]}}

`errors` appears only for bad input (one list of Ukrainian messages per field). DRF's own refusals
(not signed in, no permission, throttled, unknown method…) pass through `api_exception_handler`
and take the same shape; DRF ships Ukrainian texts for them, the active language is Ukrainian.

>>> error_body("Порожній запит.", code="empty_query")
{'detail': 'Порожній запит.', 'code': 'empty_query'}
>>> error_body("Некоректні параметри.", code="invalid", errors={"lon": ["Потрібне число."]})
{'detail': 'Некоректні параметри.', 'code': 'invalid', 'errors': {'lon': ['Потрібне число.']}}
"""

from __future__ import annotations

from django.http import JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.views import exception_handler


def error_body(detail: str, *, code: str, errors: dict[str, list[str]] | None = None) -> dict:
    body: dict = {"detail": str(detail), "code": code}
    if errors:
        body["errors"] = errors
    return body


def error_json(detail: str, *, code: str, status: int = 400) -> JsonResponse:
    """The same error body from a plain Django view (maps, tiles, analytics are not DRF views)."""
    return JsonResponse(error_body(detail, code=code), status=status, json_dumps_params={"ensure_ascii": False})


def field_errors(detail) -> dict[str, list[str]]:
    """DRF's nested ValidationError detail as {field: [messages]} (non-field errors under "non_field_errors")."""
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for field, messages in detail.items():
            if isinstance(messages, dict):
                for sub, sub_messages in field_errors(messages).items():
                    out[f"{field}.{sub}"] = sub_messages
            else:
                out[str(field)] = [str(m) for m in (messages if isinstance(messages, list) else [messages])]
        return out
    messages = detail if isinstance(detail, list) else [detail]
    return {"non_field_errors": [str(m) for m in messages]}


def invalid_input_body(detail) -> dict:
    """The body of a 400 for a form or serializer that did not validate."""
    errors = field_errors(detail)
    summary = "; ".join(f"{field}: {' '.join(msgs)}" if field != "non_field_errors" else " ".join(msgs)
                        for field, msgs in errors.items())
    return error_body(_("Некоректні дані запиту: %(summary)s") % {"summary": summary}, code="invalid",
                      errors=errors)


def api_exception_handler(exc, context):
    """DRF's handler, then our shape: {detail, code[, errors]}; Retry-After and other headers kept."""
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = invalid_input_body(exc.detail)
        return response
    data = response.data
    detail = data.get("detail", data) if isinstance(data, dict) else data
    code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
    if isinstance(data, dict) and "code" in data and isinstance(data["code"], str):
        code = data["code"]
    response.data = error_body(str(detail), code=str(code))
    return response
