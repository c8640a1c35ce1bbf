"""One content, two formats: GeoReport v2 JSON and XML from the same dicts, and the spec's error lists.

XML follows the spec's element names: a root (``services``, ``service_requests``...), one child per item
(``service``, ``request``...), nested lists as a container with repeated children (``attributes`` →
``attribute``, ``values`` → ``value``). None is an empty element, booleans are ``true``/``false``.

>>> to_xml("services", "service", [{"service_code": "no_power", "metadata": True, "group": None}])
'<?xml version="1.0" encoding="utf-8"?>\\n<services><service><service_code>no_power</service_code><metadata>true</metadata><group></group></service></services>'
"""

from __future__ import annotations

import json
import re

from django.http import HttpResponse

JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"

# The element each item of a nested list gets.
_ITEM_TAG = {"attributes": "attribute", "values": "value", "endpoints": "endpoint", "formats": "format"}
# Characters XML 1.0 cannot carry at all (C0 controls but tab, newline, carriage return): dropped.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


class Open311Error(Exception):
    """A refusal as the spec answers it: an HTTP status and a list of {code, description}.

    ``code`` is a stable English code, ``description`` Ukrainian for a person.
    """

    def __init__(self, status: int, code: str, description: str, *, more: list[tuple[str, str]] = (),
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.errors = [(code, description), *more]
        self.headers = headers or {}


def _value(v) -> str:
    if v is None:
        return ""
    if v is True:
        return "true"
    if v is False:
        return "false"
    text = str(v)
    # Plain replaces, each only when needed: a page has 17,000 values, nearly all without markup.
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if _CONTROL.search(text):
        text = _CONTROL.sub("", text)
    return text


def _element(tag: str, value, out: list[str]) -> None:
    if isinstance(value, list):
        item = _ITEM_TAG.get(tag, "item")
        out.append(f"<{tag}>")
        for v in value:
            _element(item, v, out)
        out.append(f"</{tag}>")
    elif isinstance(value, dict):
        out.append(f"<{tag}>")
        for k, v in value.items():
            _element(k, v, out)
        out.append(f"</{tag}>")
    else:
        out.append(f"<{tag}>{_value(value)}</{tag}>")


def to_xml(root: str, item: str | None, content) -> str:
    """``content`` is a list of dicts (each an ``item`` element) or one dict (the root's children)."""
    out = ['<?xml version="1.0" encoding="utf-8"?>\n', f"<{root}>"]
    if isinstance(content, dict):
        for k, v in content.items():
            _element(k, v, out)
    else:
        for row in content:
            _element(item, row, out)
    out.append(f"</{root}>")
    return "".join(out)


def to_json(content) -> str:
    return json.dumps(content, ensure_ascii=False, separators=(",", ":"))


def respond(fmt: str, root: str, item: str | None, content, *, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        return HttpResponse(to_xml(root, item, content), content_type=XML_TYPE, status=status)
    return HttpResponse(to_json(content), content_type=JSON_TYPE, status=status)


def error_response(fmt: str, error: Open311Error) -> HttpResponse:
    rows = [{"code": code, "description": description} for code, description in error.errors]
    response = respond(fmt, "errors", "error", rows, status=error.status)
    for name, value in error.headers.items():
        response[name] = value
    return response
