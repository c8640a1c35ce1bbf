"""The Open311 paths in the OpenAPI schema at /api/v1/schema (a drf-spectacular post-processing hook).

The views are plain Django views (the request list is the hot path), so drf-spectacular cannot see them;
this hook describes each path, once per format (``.json`` with its JSON schema, ``.xml`` as text/xml),
with every answer and error body.
"""

from __future__ import annotations

from copy import deepcopy

_TAG = "open311"
_NULL_STR = {"type": "string", "nullable": True}

COMPONENTS = {
    "Open311Errors": {
        "type": "array",
        "description": "GeoReport v2 errors: a stable English code and a Ukrainian description each.",
        "items": {"type": "object", "required": ["code", "description"],
                  "properties": {"code": {"type": "string"}, "description": {"type": "string"}}},
    },
    "Open311Discovery": {
        "type": "object", "required": ["changeset", "contact", "key_service", "endpoints"],
        "properties": {
            "changeset": {"type": "string", "format": "date-time", "nullable": True},
            "contact": {"type": "string"}, "key_service": {"type": "string"},
            "endpoints": {"type": "array", "items": {
                "type": "object", "required": ["specification", "url", "changeset", "type", "formats"],
                "properties": {"specification": {"type": "string"}, "url": {"type": "string"},
                               "changeset": {"type": "string", "format": "date-time", "nullable": True},
                               "type": {"type": "string", "enum": ["production", "test"]},
                               "formats": {"type": "array", "items": {"type": "string"}}}}},
        },
    },
    "Open311Service": {
        "type": "object",
        "required": ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"],
        "properties": {
            "service_code": {"type": "string"}, "service_name": {"type": "string"},
            "description": {"type": "string"}, "metadata": {"type": "boolean"},
            "type": {"type": "string", "enum": ["realtime", "batch", "blackbox"]},
            "keywords": {"type": "string"}, "group": {"type": "string"},
        },
    },
    "Open311ServiceDefinition": {
        "type": "object", "required": ["service_code", "attributes"],
        "properties": {
            "service_code": {"type": "string"},
            "attributes": {"type": "array", "items": {
                "type": "object",
                "required": ["variable", "code", "datatype", "required", "datatype_description", "order",
                             "description", "values"],
                "properties": {
                    "variable": {"type": "boolean"}, "code": {"type": "string"},
                    "datatype": {"type": "string", "enum": ["string", "number", "datetime", "text",
                                                            "singlevaluelist", "multivaluelist"]},
                    "required": {"type": "boolean"}, "datatype_description": _NULL_STR,
                    "order": {"type": "integer"}, "description": {"type": "string"},
                    "values": {"type": "array", "items": {
                        "type": "object", "required": ["key", "name"],
                        "properties": {"key": {"type": "string"}, "name": {"type": "string"}}}},
                }}},
        },
    },
    "Open311Request": {
        "type": "object",
        "description": "A public appeal. Never a name, phone, e-mail, flat or the resident's text (description is "
                       "always null); private houses and small buildings at street level.",
        "required": ["service_request_id", "status", "status_notes", "service_name", "service_code", "description",
                     "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
                     "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url"],
        "properties": {
            "service_request_id": {"type": "string"}, "status": {"type": "string", "enum": ["open", "closed"]},
            "status_notes": {"type": "string"}, "service_name": {"type": "string"},
            "service_code": {"type": "string"}, "description": _NULL_STR, "agency_responsible": _NULL_STR,
            "service_notice": _NULL_STR,
            "requested_datetime": {"type": "string", "format": "date-time"},
            "updated_datetime": {"type": "string", "format": "date-time"},
            "expected_datetime": {"type": "string", "format": "date-time", "nullable": True},
            "address": _NULL_STR, "address_id": _NULL_STR, "zipcode": _NULL_STR,
            "lat": {"type": "number", "nullable": True}, "long": {"type": "number", "nullable": True},
            "media_url": _NULL_STR,
        },
    },
    "Open311Created": {
        "type": "object", "required": ["service_notice", "account_id"],
        "description": "service_request_id (the appeal number), or a token while a dispatcher checks the request.",
        "properties": {"service_request_id": {"type": "string"}, "token": {"type": "string"},
                       "service_notice": {"type": "string"}, "account_id": _NULL_STR},
    },
    "Open311Token": {
        "type": "object", "required": ["service_request_id", "token"],
        "properties": {"service_request_id": _NULL_STR, "token": {"type": "string"}},
    },
    "Open311Update": {
        "type": "object",
        "required": ["update_id", "service_request_id", "status", "external_status_code", "updated_datetime",
                     "description", "media_url"],
        "properties": {
            "update_id": {"type": "string"}, "service_request_id": {"type": "string"},
            "status": {"type": "string", "enum": ["open", "closed", "fixed", "in_progress", "action_scheduled",
                                                  "duplicate"]},
            "external_status_code": {"type": "string"},
            "updated_datetime": {"type": "string", "format": "date-time"},
            "description": {"type": "string"}, "media_url": _NULL_STR,
        },
    },
}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _list(name: str) -> dict:
    return {"type": "array", "items": _ref(name)}


_JURISDICTION = {"name": "jurisdiction_id", "in": "query", "required": False, "schema": {"type": "string"},
                 "description": "Optional; the only jurisdiction is settings.OPEN311_JURISDICTION_ID (else 404)."}
_PAGE = [
    {"name": "page", "in": "query", "required": False,
     "schema": {"type": "integer", "minimum": 1, "maximum": 100000, "default": 1}},
    {"name": "page_size", "in": "query", "required": False,
     "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 1000}},
]
_PERIOD = [
    {"name": "start_date", "in": "query", "required": False, "schema": {"type": "string", "format": "date-time"},
     "description": "W3C datetime; start_date..end_date at most 90 days (else 400)."},
    {"name": "end_date", "in": "query", "required": False, "schema": {"type": "string", "format": "date-time"}},
]


def _path_param(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


_ERROR_TEXT = {400: "A missing or bad parameter.", 403: "No api_key, an unknown or a revoked one.",
               404: "Unknown jurisdiction, service, request, token or building.",
               405: "Method not allowed.", 429: "Too many POSTs with this key (Retry-After)."}


def _responses(fmt: str, ok: dict, ok_status: int, errors: tuple[int, ...]) -> dict:
    media = "application/json" if fmt == "json" else "text/xml"
    text = {"type": "string", "description": "The same content as the .json path, in the spec's XML."}
    out = {str(ok_status): {"description": "OK", "content": {media: {"schema": ok if fmt == "json" else text}}}}
    for status in errors:
        out[str(status)] = {"description": _ERROR_TEXT[status],
                            "content": {media: {"schema": _ref("Open311Errors") if fmt == "json" else text}}}
    return out


_POST_BODY = {
    "required": True,
    "content": {"application/x-www-form-urlencoded": {"schema": {
        "type": "object", "required": ["api_key", "service_code"],
        "description": "Form fields of GeoReport v2. A location is lat+long, address_string (our geocoder) or "
                       "address_id (our building id). Answers to the service's questions as attribute[code].",
        "properties": {
            "api_key": {"type": "string"}, "jurisdiction_id": {"type": "string"},
            "service_code": {"type": "string"},
            "lat": {"type": "number"}, "long": {"type": "number"},
            "address_string": {"type": "string"}, "address_id": {"type": "string"},
            "description": {"type": "string", "maxLength": 2000},
            "media_url": {"type": "string"}, "email": {"type": "string"}, "device_id": {"type": "string"},
            "account_id": {"type": "string"}, "first_name": {"type": "string"}, "last_name": {"type": "string"},
            "phone": {"type": "string"},
        },
        "additionalProperties": {"type": "string"},
    }}},
}


def _operations() -> dict[str, dict]:
    paths: dict[str, dict] = {}
    for fmt in ("json", "xml"):
        def op(op_id: str, summary: str, ok: dict, errors: tuple[int, ...], params: list[dict], *,
               ok_status: int = 200, fmt=fmt) -> dict:
            return {"operationId": f"open311_{op_id}_{fmt}", "summary": summary, "tags": [_TAG],
                    "parameters": [*deepcopy(params), deepcopy(_JURISDICTION)], "security": [{}],
                    "responses": _responses(fmt, ok, ok_status, errors)}

        paths[f"/open311/discovery.{fmt}"] = {"get": op(
            "discovery", "Service discovery", _ref("Open311Discovery"), (404,), [])}
        paths[f"/open311/v2/services.{fmt}"] = {"get": op(
            "services", "Every public category as a service", _list("Open311Service"), (404,), [])}
        paths[f"/open311/v2/services/{{service_code}}.{fmt}"] = {"get": op(
            "service_definition", "A service's extra questions (attributes)", _ref("Open311ServiceDefinition"),
            (404,), [_path_param("service_code")])}
        requests_get = op(
            "requests_list", "Public appeals, newest first (default: the last 90 days, at most 1,000)",
            _list("Open311Request"), (400, 404),
            [{"name": "service_request_id", "in": "query", "required": False, "schema": {"type": "string"},
              "description": "Comma-separated numbers; overrides every other filter."},
             {"name": "service_code", "in": "query", "required": False, "schema": {"type": "string"},
              "description": "Comma-separated service codes."},
             *_PERIOD,
             {"name": "status", "in": "query", "required": False,
              "schema": {"type": "string", "enum": ["open", "closed", "open,closed", "closed,open"]}},
             *_PAGE])
        requests_post = op("requests_create", "File an appeal (form-encoded, api_key required)",
                           _list("Open311Created"), (400, 403, 404, 429), [], ok_status=201)
        requests_post["requestBody"] = deepcopy(_POST_BODY)
        paths[f"/open311/v2/requests.{fmt}"] = {"get": requests_get, "post": requests_post}
        paths[f"/open311/v2/requests/{{service_request_id}}.{fmt}"] = {"get": op(
            "request", "One public appeal by its number", _list("Open311Request"), (404,),
            [_path_param("service_request_id")])}
        paths[f"/open311/v2/tokens/{{token}}.{fmt}"] = {"get": op(
            "token", "The number behind a token, once a dispatcher has checked the request", _list("Open311Token"),
            (404,), [_path_param("token")])}
        paths[f"/open311/v2/servicerequestupdates.{fmt}"] = {"get": op(
            "updates", "Status changes since a time (FixMyStreet's extension; default: the last 24 hours)",
            _list("Open311Update"), (400, 404), [*_PERIOD, *_PAGE])}
    return paths


def add_paths(result: dict, generator, request, public) -> dict:
    """drf-spectacular POSTPROCESSING_HOOKS entry: adds the Open311 paths and their components."""
    result.setdefault("paths", {}).update(_operations())
    result.setdefault("components", {}).setdefault("schemas", {}).update(deepcopy(COMPONENTS))
    tags = result.setdefault("tags", [])
    if not any(t.get("name") == _TAG for t in tags):
        tags.append({"name": _TAG, "description": "Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2)"})
    return result
