"""The OpenAPI description of the plain Django JSON views (public map, lookup, analytics, tiles, basemap layers),
added to /api/v1/schema by a drf-spectacular post-processing hook, and the shared parts every operation uses.

These views are not DRF views, so drf-spectacular cannot see them; this is their contract, written by hand and
checked by schemathesis (tests/integration/test_api_contract.py) with every role. It also declares, for every
operation of the document (DRF's included), what the whole stack answers besides the view itself:

* every error body is ``Error`` ({detail (Ukrainian), code (English)[, errors]}, gis/api_errors.py);
* the anonymous APIs answer 429 with Retry-After when a client exceeds its rate (gis/throttling.py);
* a DRF view that needs a user answers 403 ``not_authenticated`` without credentials (session auth is tried first,
  so DRF answers 403 rather than 401) and 401 with a token that does not exist.
"""

from __future__ import annotations

from gis.throttling import SCOPES

ERROR = {"$ref": "#/components/schemas/Error"}

_ERROR_SCHEMA = {
    "type": "object",
    "required": ["detail", "code"],
    "properties": {
        "detail": {"type": "string", "description": "для людей, українською"},
        "code": {"type": "string", "description": "стабільний англійський код для програм"},
        "errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}},
                   "description": "помилки по полях (лише для некоректних даних)"},
    },
}
_RETRY_AFTER = {"Retry-After": {"description": "секунд до наступної спроби", "schema": {"type": "integer"}}}


def error(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": ERROR}}}


def _html(description: str) -> dict:
    return {"description": description, "content": {"text/html": {"schema": {"type": "string"}}}}


def _json(schema: dict, description: str = "OK", media: str = "application/json") -> dict:
    return {"description": description, "content": {media: {"schema": schema}}}


def _q(name: str, schema: dict, description: str = "", *, required: bool = False) -> dict:
    return {"name": name, "in": "query", "required": required, "schema": schema, "description": description}


def _p(name: str, schema: dict, description: str = "") -> dict:
    return {"name": name, "in": "path", "required": True, "schema": schema, "description": description}


_OBJ = {"type": "object"}
_BBOX = {"type": "string", "pattern": r"^-?\d+(\.\d+)?,-?\d+(\.\d+)?,-?\d+(\.\d+)?,-?\d+(\.\d+)?$",
         "example": "37.50,48.70,37.60,48.78"}
_DATE = {"type": "string", "format": "date"}
_FEATURE = {"type": "object", "required": ["type", "geometry", "properties"],
            "properties": {"type": {"type": "string", "enum": ["Feature"]}, "geometry": {"type": "object", "nullable": True},
                           "properties": _OBJ}}
_COLLECTION = {"type": "object", "required": ["type", "features"],
               "properties": {"type": {"type": "string", "enum": ["FeatureCollection"]},
                              "features": {"type": "array", "items": _FEATURE}}}
_CODE_NAME = {"type": "object", "required": ["code", "name"],
              "properties": {"code": {"type": "string"}, "name": {"type": "string"}}}
_CARD = {"type": "object", "additionalProperties": False,
         "required": ["number", "status", "status_label", "category", "category_name", "created", "deadline",
                      "resolved", "address"],
         "properties": {"number": {"type": "string"}, "status": {"type": "string"}, "status_label": {"type": "string"},
                        "category": {"type": "string"}, "category_name": {"type": "string"},
                        "created": {"type": "string"}, "deadline": {"type": "string", "nullable": True},
                        "resolved": {"type": "string", "nullable": True}, "address": {"type": "string"}}}
_PROVIDER = {"type": "object", "nullable": True, "required": ["id", "name", "kind", "phones", "phones_hidden"],
             "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "short_name": {"type": "string"},
                            "kind": {"type": "string"}, "kind_name": {"type": "string"},
                            "phones": {"type": "array", "items": {"type": "string"}}, "hours": {"type": "string"},
                            "is_24_7": {"type": "boolean"}, "emergency_phone": {"type": "string"},
                            "phones_hidden": {"type": "boolean",
                                              "description": "телефони голови ОСББ — лише для працівників"}}}
_LOOKUP = {
    "type": "object", "required": ["building", "point", "at", "geocoding", "services", "outages"],
    "properties": {
        "building": {"type": "object", "nullable": True},
        "point": {"type": "object", "required": ["lon", "lat"],
                  "properties": {"lon": {"type": "number"}, "lat": {"type": "number"}}},
        "at": _DATE,
        "geocoding": {"type": "object", "nullable": True},
        "services": {"type": "array", "items": {
            "type": "object", "required": ["service_kind", "provider", "outcome", "rule", "reason", "candidates"],
            "properties": {"service_kind": {"type": "string"}, "service_kind_name": {"type": "string"},
                           "provider": _PROVIDER, "outcome": {"type": "string", "enum": ["assigned", "gap", "overlap"]},
                           "rule": {"type": "string"}, "reason": {"type": "string"},
                           "area_id": {"type": "integer", "nullable": True}, "assignment_id": {"type": "integer", "nullable": True},
                           "candidates": {"type": "array", "items": _PROVIDER}}}},
        "outages": {"type": "array", "items": _OBJ},
        "geometry": _COLLECTION,
    },
}
_WITH_CANDIDATES = {"allOf": [ERROR, {"type": "object", "properties": {"candidates": {"type": "array", "items": _OBJ}}}]}
_PERIOD = [_q("since", _DATE, "початок (РРРР-ММ-ДД; типово 29 днів до until)"),
           _q("until", _DATE, "кінець (типово сьогодні)"),
           _q("category", {"type": "string"}, "коди категорій через кому")]
_ANALYSTS = {"400": error("некоректний період або параметр"),
             "403": error("лише аналітики, заступники міського голови та адміністратори (сесія)")}
_PUBLIC_FILTER = [_q("category", {"type": "string"}, "коди категорій через кому"),
                  _q("status", {"type": "string"}, "статуси через кому"),
                  _q("days", {"type": "integer", "minimum": 1}, "за скільки днів (не більше вікна публічної карти)")]


def _op(summary: str, tag: str, responses: dict, parameters: list | None = None, **extra) -> dict:
    return {"get": {"operationId": extra.pop("operation_id"), "summary": summary, "tags": [tag],
                    "parameters": parameters or [], "responses": responses, "security": [{}], **extra}}


def plain_paths() -> dict:
    """The paths of the plain Django views."""
    from webmap import geojson, tiles

    return {
        "/api/v1/lookup": _op(
            "Хто обслуговує адресу: виконавець за кожним видом послуг, з причиною; активні відключення", "lookup",
            {"200": _json(_LOOKUP),
             "300": _json(_WITH_CANDIDATES, "адреса неоднозначна (кілька вулиць): оберіть кандидата"),
             "400": error("бракує або некоректний параметр"),
             "404": _json(_WITH_CANDIDATES, "адресу або будинок не знайдено")},
            [_q("q", {"type": "string"}, "адреса"), _q("lon", {"type": "number"}), _q("lat", {"type": "number"}),
             _q("building", {"type": "integer"}, "id будинку в реєстрі"), _q("at", _DATE, "на дату (типово сьогодні)"),
             _q("geometry", {"type": "string", "enum": ["1", "true", "yes", "0"]}, "додати контур і зони (GeoJSON)")],
            operation_id="lookup"),
        "/api/v1/layers/basemap": _op(
            "Офлайн-підкладка: межа громади, мікрорайони, вулиці (GeoJSON)", "public",
            {"200": _json(_COLLECTION, media="application/geo+json")}, operation_id="layers_basemap"),
        "/api/v1/layers/housenumbers": _op(
            "Номери будинків для вуличних масштабів підкладки (GeoJSON)", "public",
            {"200": _json(_COLLECTION, media="application/geo+json"),
             "400": error("bbox некоректний або завеликий")},
            [_q("bbox", _BBOX, "захід,південь,схід,північ (lon/lat)", required=True)],
            operation_id="layers_housenumbers"),
        "/api/v1/public/categories": _op(
            "Публічні категорії та статуси (для фільтрів карти)", "public",
            {"200": _json({"type": "object", "required": ["categories", "statuses", "window_days"],
                           "properties": {"categories": {"type": "array", "items": _CODE_NAME},
                                          "statuses": {"type": "array", "items": _CODE_NAME},
                                          "window_days": {"type": "integer"}}})},
            operation_id="public_categories"),
        "/api/v1/public/clusters": _op(
            "Звернення на публічній карті: кластери до масштабу 17, далі поодинці (GeoJSON, без персональних даних)",
            "public",
            {"200": _json({"allOf": [_COLLECTION, {"type": "object", "required": ["zoom", "clustered"],
                                                   "properties": {"zoom": {"type": "integer"},
                                                                  "clustered": {"type": "boolean"},
                                                                  "truncated": {"type": "boolean"}}}]}),
             "400": error("некоректні bbox, zoom або days")},
            [_q("bbox", _BBOX, "захід,південь,схід,північ (lon/lat)", required=True),
             _q("zoom", {"type": "integer", "minimum": 0, "maximum": 22}, required=True), *_PUBLIC_FILTER],
            operation_id="public_clusters"),
        "/api/v1/public/appeals/{number}": _op(
            "Публічна картка звернення (у вікні публічної карти)", "public",
            {"200": _json(_CARD), "404": error("немає публічного звернення з таким номером")},
            [_p("number", {"type": "string", "example": "26-000001"})], operation_id="public_appeal"),
        "/api/v1/public/layers/{layer}": _op(
            "Шар реєстру як GeoJSON (не більше 5 000 об'єктів)", "public",
            {"200": _json(_COLLECTION, media="application/geo+json"), "400": error("некоректний bbox"),
             "404": error("немає такого шару")},
            [_p("layer", {"type": "string", "enum": list(geojson.LAYERS)}), _q("bbox", _BBOX),
             _q("service_kind", {"type": "string"}, "код виду послуг (для service_areas)")],
            operation_id="public_layer"),
        "/api/v1/analytics/heat": _op(
            "Теплова карта: кадри по днях або тижнях і весь період", "analytics",
            {"200": _json({"type": "object", "required": ["since", "until", "step", "appeals", "frames", "total"]}),
             **_ANALYSTS},
            [*_PERIOD, _q("step", {"type": "string", "enum": ["day", "week"]})], operation_id="analytics_heat"),
        "/api/v1/analytics/trend": _op(
            "Звернення за категоріями по тижнях (або днях)", "analytics",
            {"200": _json({"type": "object", "required": ["step", "starts", "categories"]}), **_ANALYSTS},
            [*_PERIOD, _q("step", {"type": "string", "enum": ["day", "week"]})], operation_id="analytics_trend"),
        "/api/v1/analytics/incidents": _op(
            "Інциденти: скупчення звернень різних будинків у просторі й часі (GeoJSON)", "analytics",
            {"200": _json(_COLLECTION), **_ANALYSTS},
            [*_PERIOD, _q("eps_m", {"type": "number", "minimum": 1}), _q("window_hours", {"type": "number", "minimum": 1}),
             _q("min_buildings", {"type": "integer", "minimum": 2})], operation_id="analytics_incidents"),
        "/api/v1/analytics/choropleth": _op(
            "Кількість звернень по мікрорайонах або зонах обслуговування (GeoJSON)", "analytics",
            {"200": _json(_COLLECTION), **_ANALYSTS},
            [*_PERIOD, _q("by", {"type": "string", "enum": ["neighbourhood", "service_area"]})],
            operation_id="analytics_choropleth"),
        "/api/v1/analytics/repeats": _op(
            "Адреси з повторними зверненнями", "analytics",
            {"200": _json({"type": "object", "required": ["addresses"],
                           "properties": {"addresses": {"type": "array", "items": _OBJ}}}), **_ANALYSTS},
            [*_PERIOD, _q("min", {"type": "integer", "minimum": 2})], operation_id="analytics_repeats"),
        "/tiles/{layer}/{z}/{x}/{y}.pbf": _op(
            "Векторна плитка (Mapbox Vector Tile); appeals_internal — для працівників за сесією, у їхній області",
            "tiles",
            {"200": {"description": "плитка (може бути порожньою)",
                     "content": {"application/vnd.mapbox-vector-tile": {"schema": {"type": "string", "format": "binary"}}}},
             "400": error("некоректний фільтр (category, status, days)"),
             "403": _html("appeals_internal без ролі працівника"),
             "404": _html("немає такого шару або плитки (z 0–22, x і y від 0 до 2^z − 1)")},
            [_p("layer", {"type": "string", "enum": [*tiles.LAYERS, "appeals_internal"]}),
             _p("z", {"type": "integer", "minimum": 0, "maximum": 22}), _p("x", {"type": "integer", "minimum": 0}),
             _p("y", {"type": "integer", "minimum": 0}), *_PUBLIC_FILTER],
            operation_id="tile"),
    }


# Fields some roles do not get (appeals.serializers: analysts get no personal data and no free text, routes
# without the rejection reason, history without the note and its author): present for the roles that see them.
_ROLE_FIELDS = {"applicant_name", "applicant_phone", "flat", "applicant_email", "description", "resolution",
                "deadline_extension_reason", "address_text", "rejection_reason", "note", "actor", "calls"}
_ROLE_COMPONENTS = ("Appeal", "AppealPersonal", "AppealDetailPersonal", "Route", "Event")


def _role_dependent(components: dict) -> None:
    for name in _ROLE_COMPONENTS:
        schema = components.get(name)
        if not schema or "required" not in schema:
            continue
        dropped = sorted(set(schema["required"]) & _ROLE_FIELDS)
        if dropped:
            schema["required"] = [f for f in schema["required"] if f not in _ROLE_FIELDS]
            schema["description"] = (schema.get("description", "") + " Поля " + ", ".join(dropped)
                                     + " — лише для ролей, яким їх видно (аналітик їх не отримує).").strip()


def _paginated(item: dict) -> dict:
    return {"type": "object", "required": ["count", "next", "previous", "results"],
            "properties": {"count": {"type": "integer"}, "next": {"type": "string", "nullable": True, "format": "uri"},
                           "previous": {"type": "string", "nullable": True, "format": "uri"},
                           "results": {"type": "array", "items": item}}}


def _throttled(path: str) -> bool:
    return any(path.startswith(prefix) for prefix, _scope in SCOPES)


def add_paths(result: dict, generator, request, public) -> dict:
    """drf-spectacular POSTPROCESSING_HOOKS entry: the plain views' paths, the Error schema, and the answers of
    the whole stack (errors, rate limits, authentication) on every operation."""
    paths = result.setdefault("paths", {})
    paths.update(plain_paths())
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = _ERROR_SCHEMA
    _role_dependent(components)
    # The list is paginated (appeals.api.AppealPagination: ?page=, ?page_size= up to 200).
    listing = paths.get("/api/v1/appeals", {}).get("get")
    if listing:
        item = listing["responses"]["200"]["content"]["application/json"]["schema"]["items"]
        listing["responses"]["200"]["content"]["application/json"]["schema"] = _paginated(item)
        listing["responses"]["404"] = error("сторінки з таким номером немає (за останньою)")
        listing.setdefault("parameters", []).extend([_q("page", {"type": "integer", "minimum": 1}),
                                                     _q("page_size", {"type": "integer", "minimum": 1, "maximum": 200})])
    for path, item in paths.items():
        for method, op in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = op.setdefault("responses", {})
            if _throttled(path):
                # The rate-limit middleware answers with the Error body in JSON whatever the view (Open311's own
                # per-key limit on POST answers its error list: either may come).
                too_many = responses.setdefault("429", error("забагато запитів з цієї адреси; повторіть після Retry-After"))
                too_many.setdefault("headers", _RETRY_AFTER)
                json_body = too_many.setdefault("content", {}).setdefault("application/json", {"schema": ERROR})
                if json_body.get("schema") != ERROR:
                    json_body["schema"] = {"anyOf": [json_body["schema"], ERROR]}
            secured = [s for s in op.get("security", []) if s]
            if secured and {} not in op.get("security", []) and path.startswith("/api/"):
                responses.setdefault("401", error("токен не існує або неактивний"))
                responses.setdefault("403", error("не увійшли (not_authenticated) або роль цього не дозволяє"))
            elif secured and path.startswith("/api/"):
                responses.setdefault("401", error("передано токен, якого не існує"))
    return result
