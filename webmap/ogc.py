"""OGC API – Features for the registry layers, made for the GIS clients people use (QGIS/GDAL, OWSLib).

Part 1 (core, GeoJSON, HTML, OpenAPI 3.0), Part 2 (``crs``, ``bbox-crs``: CRS84, EPSG:4326, EPSG:32637,
EPSG:3857) and the queryables of Part 3 with equality filters on properties (``?street=вулиця Паркова``,
or the same as CQL2 text: ``filter=street='вулиця Паркова' AND floors=5``).

/ogc/ landing page · /ogc/api its OpenAPI 3.0 definition (``limit``: default 1,000, maximum 10,000 — GDAL
reads the page size from there) · /ogc/conformance · /ogc/collections · /ogc/collections/{id} ·
/ogc/collections/{id}/queryables · /ogc/collections/{id}/items?bbox=&bbox-crs=&crs=&datetime=&limit=&offset=
· /ogc/collections/{id}/items/{featureId}. Every document is JSON, or HTML for a browser (``f=html``).

The ``appeals`` collection is for staff (analysts first): signed in or ``Authorization: Token …``, each role
within its scope (appeals.roles.scope_of: an operator sees the appeals routed to their provider), with no
personal data (no name, phone, e-mail, flat, address text, description), at building precision.
"""

from __future__ import annotations

import json
import re
from datetime import date

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from appeals import roles
from gis.replica import read_connection
from webmap import geojson

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG = "http://www.opengis.net/def/crs/EPSG/0/"
# Output and bbox CRS → (EPSG code for PostGIS, latitude first). CRS84 is lon, lat; EPSG:4326 is lat, lon.
CRS = {CRS84: (4326, False), f"{EPSG}4326": (4326, True), f"{EPSG}32637": (32637, False), f"{EPSG}3857": (3857, False)}
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
]
DEFAULT_LIMIT = 1000
MAX_LIMIT = 10_000
# Parameters of the items request that are not property filters.
_ITEM_PARAMS = {"bbox", "bbox-crs", "crs", "datetime", "limit", "offset", "after", "f", "filter", "filter-lang",
                "filter-crs"}
_CQL2_EQUALS = re.compile(r"""^\s*"?(?P<name>[A-Za-z_]\w*)"?\s*=\s*(?:'(?P<text>(?:[^']|'')*)'|(?P<number>-?\d+(?:\.\d+)?))\s*$""")
_CQL2_AND = re.compile(r"\s+AND\s+", re.IGNORECASE)


class Denied(Exception):
    def __init__(self, response: HttpResponse):
        super().__init__(response.status_code)
        self.response = response


def _scope(request, collection: str) -> dict:
    """Who may read a collection: the registry layers anyone; appeals a signed-in member of staff (session or
    token), each within their own scope (appeals.roles.scope_of). Raises Http404 or Denied."""
    if collection in geojson.LAYERS:
        return {}
    if collection not in geojson.STAFF_LAYERS:
        raise Http404("no such collection")
    user = request.user if request.user.is_authenticated else None
    if user is None:
        from rest_framework.authentication import TokenAuthentication
        from rest_framework.exceptions import AuthenticationFailed

        try:
            found = TokenAuthentication().authenticate(request)
        except AuthenticationFailed:
            found = None
        user = found[0] if found else None
    if user is None:
        response = _error(_("Увійдіть або передайте токен (Authorization: Token …)."), "not_authenticated", 401)
        response["WWW-Authenticate"] = "Token"
        raise Denied(response)
    scope = roles.scope_of(user)
    if roles.role_of(user) is None or scope.nothing:
        raise Denied(_error(_("Ця колекція — лише для працівників контакт-центру та виконавців."), "permission_denied",
                            403))
    return {"scope_provider": scope.provider_id, "scope_kinds": scope.provider_kinds or None}


def _error(detail: str, code: str, status: int) -> HttpResponse:
    body = json.dumps({"detail": detail, "code": code}, ensure_ascii=False)
    return HttpResponse(body, status=status, content_type="application/json")


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    response["Vary"] = "Cookie, Authorization"
    return response


def _visible(request) -> list[str]:
    out = list(geojson.LAYERS)
    for layer in geojson.STAFF_LAYERS:
        try:
            _scope(request, layer)
        except Denied:
            continue
        out.append(layer)
    return out


class BadRequest(ValueError):
    def __init__(self, detail: str, code: str):
        super().__init__(detail)
        self.detail, self.code = detail, code


def _bad(exc: BadRequest) -> HttpResponse:
    body = json.dumps({"detail": exc.detail, "code": exc.code}, ensure_ascii=False)
    return HttpResponse(body, status=400, content_type="application/json")


def _wants_html(request) -> bool:
    f = request.GET.get("f")
    if f:
        return f == "html"
    accept = request.headers.get("Accept", "")
    return "text/html" in accept and "json" not in accept.split("text/html")[0]


def _json(payload, content_type: str = "application/json", headers: dict | None = None) -> HttpResponse:
    response = HttpResponse(json.dumps(payload, ensure_ascii=False, default=str), content_type=content_type)
    response["Cache-Control"] = "public, max-age=300"
    for k, v in (headers or {}).items():
        response[k] = v
    return response


def _page(request, *, title: str, links: list[dict], rows: list[dict] | None = None, doc=None) -> HttpResponse:
    """The HTML rendering of any document: its title, its links, a table of features or properties."""
    columns = sorted({k for r in rows or [] for k in r}) if rows else []
    return render(request, "webmap/ogc.html", {
        "title": title, "links": [ln for ln in links if ln.get("rel") != "self"],
        "columns": columns, "rows": [[r.get(c, "") for c in columns] for r in rows or []],
        "json_url": _with(request, f="json"),
        "doc": json.dumps(doc, ensure_ascii=False, indent=1, default=str) if doc is not None else "",
    })


def _with(request, **changes) -> str:
    q = request.GET.copy()
    for k, v in changes.items():
        q[k] = str(v)
    return f"{request.build_absolute_uri(request.path)}?{q.urlencode(safe=',/:')}"


def _base(request) -> str:
    return request.build_absolute_uri("/ogc")


def _alternates(request) -> list[dict]:
    return [{"href": _with(request, f="json"), "rel": "self", "type": "application/json"},
            {"href": _with(request, f="html"), "rel": "alternate", "type": "text/html"}]


# -- landing, conformance, API ------------------------------------------------------------------------------

@require_GET
def landing(request):
    base = _base(request)
    doc = {
        "title": "E-City: реєстр міста",
        "description": "OGC API – Features: будинки, вулиці, мікрорайони, межа, зони обслуговування",
        "links": _alternates(request) + [
            {"href": f"{base}/api", "rel": "service-desc", "type": "application/vnd.oai.openapi+json;version=3.0",
             "title": "API definition"},
            {"href": f"{base}/conformance", "rel": "conformance", "type": "application/json"},
            {"href": f"{base}/collections", "rel": "data", "type": "application/json"},
        ],
    }
    if _wants_html(request):
        return _page(request, title=doc["title"], links=doc["links"])
    return _json(doc)


@require_GET
def conformance(request):
    doc = {"conformsTo": CONFORMANCE}
    if _wants_html(request):
        return _page(request, title=_("Відповідність стандартам"), links=_alternates(request),
                     rows=[{"conformsTo": c} for c in CONFORMANCE])
    return _json(doc)


def _parameter(name: str, schema: dict, description: str, where: str = "query", **extra) -> dict:
    return {"name": name, "in": where, "required": where == "path", "schema": schema, "description": description,
            **extra}


def openapi_document(server_url: str) -> dict:
    """The OpenAPI 3.0 definition of /ogc (paths relative to ``server_url``), also merged into /api/v1/schema."""
    crs_enum = list(CRS)
    error = {"description": "Неправильний запит", "content": {"application/json": {"schema": {
        "$ref": "#/components/schemas/OgcError"}}}}
    denied = {"description": "appeals only: not signed in (401) or no role (403)", "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/OgcError"}}}}
    geojson_ok = {"description": "GeoJSON", "content": {"application/geo+json": {"schema": {"type": "object"}},
                                                         "text/html": {"schema": {"type": "string"}}}}
    json_ok = {"description": "JSON", "content": {"application/json": {"schema": {"type": "object"}},
                                                   "text/html": {"schema": {"type": "string"}}}}
    f = _parameter("f", {"type": "string", "enum": ["json", "html"]}, "json (default) or html for people")
    collection_id = _parameter("collectionId", {"type": "string", "enum": [*geojson.LAYERS, *geojson.STAFF_LAYERS]},
                               "collection (appeals: staff only, session or Authorization: Token …)",
                               where="path")
    return {
        "openapi": "3.0.3",
        "info": {"title": "E-City OGC API – Features", "version": "1.0.0",
                 "description": "Реєстр міста Краматорськ для ГІС-клієнтів (QGIS, GDAL, OWSLib)."},
        "servers": [{"url": server_url}],
        "paths": {
            "/": {"get": {"operationId": "ogcLanding", "parameters": [f], "responses": {"200": json_ok}}},
            "/api": {"get": {"operationId": "ogcApi", "responses": {"200": {
                "description": "this document",
                "content": {"application/vnd.oai.openapi+json;version=3.0": {"schema": {"type": "object"}}}}}}},
            "/conformance": {"get": {"operationId": "ogcConformance", "parameters": [f],
                                     "responses": {"200": json_ok}}},
            "/collections": {"get": {"operationId": "ogcCollections", "parameters": [f],
                                     "responses": {"200": json_ok}}},
            "/collections/{collectionId}": {"get": {"operationId": "ogcCollection", "parameters": [collection_id, f],
                                                    "responses": {"200": json_ok, "401": denied, "403": denied,
                                                                  "404": {"description": "no such collection"}}}},
            "/collections/{collectionId}/queryables": {"get": {
                "operationId": "ogcQueryables", "parameters": [collection_id, f],
                "responses": {"200": {"description": "JSON Schema of the queryable properties", "content": {
                    "application/schema+json": {"schema": {"type": "object"}},
                    "text/html": {"schema": {"type": "string"}}}},
                    "401": denied, "403": denied, "404": {"description": "no such collection"}}}},
            "/collections/{collectionId}/items": {"get": {
                "operationId": "ogcItems",
                "parameters": [
                    collection_id,
                    _parameter("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
                               "features per page", style="form", explode=False),
                    _parameter("offset", {"type": "integer", "minimum": 0, "default": 0}, "features to skip"),
                    _parameter("after", {"type": "integer", "minimum": 0},
                               "features with an id above this one (what the next links use: as fast on the last page "
                               "as on the first)"),
                    _parameter("bbox", {"type": "array", "minItems": 4, "maxItems": 4, "items": {"type": "number"}},
                               "west,south,east,north in bbox-crs", style="form", explode=False),
                    _parameter("bbox-crs", {"type": "string", "format": "uri", "enum": crs_enum, "default": CRS84},
                               "CRS of bbox"),
                    _parameter("crs", {"type": "string", "format": "uri", "enum": crs_enum, "default": CRS84},
                               "CRS of the geometries returned"),
                    _parameter("datetime", {"type": "string"},
                               "an instant or interval (RFC 3339, '..' open) on collections with time"),
                    _parameter("filter", {"type": "string"},
                               "CQL2 text, equalities joined by AND: street='вулиця Паркова' AND floors=5"),
                    _parameter("filter-lang", {"type": "string", "enum": ["cql2-text"], "default": "cql2-text"},
                               "language of filter"),
                    f,
                ],
                "responses": {"200": geojson_ok, "400": error, "401": denied, "403": denied,
                              "404": {"description": "no such collection"}}}},
            "/collections/{collectionId}/items/{featureId}": {"get": {
                "operationId": "ogcItem",
                "parameters": [collection_id, _parameter("featureId", {"type": "integer"}, "feature id", where="path"),
                               _parameter("crs", {"type": "string", "format": "uri", "enum": crs_enum,
                                                  "default": CRS84}, "CRS of the geometry"), f],
                "responses": {"200": geojson_ok, "400": error, "401": denied, "403": denied,
                              "404": {"description": "no such feature"}}}},
        },
        "components": {"schemas": {"OgcError": {"type": "object", "required": ["detail", "code"], "properties": {
            "detail": {"type": "string"}, "code": {"type": "string"}}}}},
    }


def add_schema_paths(result: dict, generator, request, public) -> dict:
    """drf-spectacular POSTPROCESSING_HOOKS entry: the /ogc paths in /api/v1/schema too, tagged "ogc"."""
    doc = openapi_document("")
    for path, item in doc["paths"].items():
        for op in item.values():
            op["tags"] = ["ogc"]
        result.setdefault("paths", {})[f"/ogc{path}"] = item
    result.setdefault("components", {}).setdefault("schemas", {}).update(doc["components"]["schemas"])
    tags = result.setdefault("tags", [])
    if not any(t.get("name") == "ogc" for t in tags):
        tags.append({"name": "ogc", "description": "OGC API – Features (its own definition: /ogc/api)"})
    return result


@require_GET
def api(request):
    doc = openapi_document(_base(request))
    return _json(doc, "application/vnd.oai.openapi+json;version=3.0")


# -- collections ------------------------------------------------------------------------------------------------

_TABLES = {"boundary": "layers_boundary", "neighbourhoods": "layers_neighbourhood", "streets": "layers_street",
           "buildings": "layers_building", "service_areas": "layers_servicearea"}


def _extent(layer: str) -> list[float] | None:
    table, column = (_TABLES[layer], "geom") if layer in _TABLES else ("appeals_appeal", "point")
    with read_connection().cursor() as cur:
        # table and column come from the fixed mapping above, never from the request
        cur.execute(f"SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent({column}) AS e FROM {table}) q")
        row = cur.fetchone()
    return [round(v, 6) for v in row] if row and row[0] is not None else None


def _temporal(layer: str) -> list | None:
    if layer not in geojson.TEMPORAL:
        return None
    with read_connection().cursor() as cur:
        if layer == "appeals":
            cur.execute("SELECT min(created_at)::date, max(created_at)::date, false FROM appeals_appeal")
        else:
            cur.execute("SELECT min(valid_from), max(valid_to), bool_or(valid_to IS NULL) FROM layers_servicearea")
        start, end, open_end = cur.fetchone()
    return [start.isoformat() if start else None, None if open_end or end is None else end.isoformat()]


def _collection(request, layer: str) -> dict:
    base = _base(request)
    extent = _extent(layer)
    doc = {
        "id": layer, "title": geojson.layer_title(layer), "itemType": "feature", "crs": list(CRS),
        "storageCrs": CRS84,
        "extent": {"spatial": {"bbox": [extent] if extent else [], "crs": CRS84}},
        "links": [
            {"href": f"{base}/collections/{layer}", "rel": "self", "type": "application/json"},
            {"href": f"{base}/collections/{layer}?f=html", "rel": "alternate", "type": "text/html"},
            {"href": f"{base}/collections/{layer}/items", "rel": "items", "type": "application/geo+json"},
            {"href": f"{base}/collections/{layer}/queryables", "rel": "http://www.opengis.net/def/rel/ogc/1.0/queryables",
             "type": "application/schema+json"},
        ],
    }
    temporal = _temporal(layer)
    if temporal:
        doc["extent"]["temporal"] = {"interval": [temporal], "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"}
    return doc


@require_GET
def collections(request):
    docs = [_collection(request, layer) for layer in _visible(request)]
    links = _alternates(request)
    if _wants_html(request):
        return _page(request, title=_("Колекції"), links=links + [
            {"href": d["links"][1]["href"], "rel": "item", "title": d["title"]} for d in docs])
    response = _json({"links": links, "collections": docs})
    response["Vary"] = "Cookie, Authorization"  # staff also see the appeals collection
    return _private(response) if len(docs) > len(geojson.LAYERS) else response


@require_GET
def collection(request, collection: str):
    try:
        _scope(request, collection)
    except Denied as exc:
        return exc.response
    doc = _collection(request, collection)
    if _wants_html(request):
        base = f"{_base(request)}/collections/{collection}"
        return _page(request, title=doc["title"], doc=doc, links=[
            {"href": f"{base}/items?f=html&limit=100", "rel": "items", "title": _("Об’єкти")},
            {"href": f"{base}/queryables?f=html", "rel": "queryables", "title": _("Поля для фільтрів")}])
    return _private(_json(doc)) if collection in geojson.STAFF_LAYERS else _json(doc)


@require_GET
def queryables(request, collection: str):
    try:
        _scope(request, collection)
    except Denied as exc:
        return exc.response
    url = f"{_base(request)}/collections/{collection}/queryables"
    doc = {"$schema": "https://json-schema.org/draft/2019-09/schema", "$id": url, "type": "object",
           "title": geojson.layer_title(collection),
           "properties": {name: {"type": t, "title": name} for name, t in geojson.QUERYABLES[collection].items()}}
    if _wants_html(request):
        return _page(request, title=doc["title"], links=_alternates(request),
                     rows=[{"property": k, "type": v["type"]} for k, v in doc["properties"].items()])
    return _json(doc, "application/schema+json")


# -- items ------------------------------------------------------------------------------------------------------

def _crs(value: str | None, param: str) -> tuple[int, bool]:
    if not value:
        return CRS[CRS84]
    value = value.strip("[]")
    if value.upper().startswith("EPSG:"):
        value = EPSG + value[5:]
    if value not in CRS:
        raise BadRequest(_("Непідтримувана система координат %(crs)s: доступні %(all)s.") % {
            "crs": value, "all": ", ".join(CRS)}, f"unsupported_{param.replace('-', '_')}")
    return CRS[value]


def _bbox(value: str, srid: int, lat_lon: bool) -> tuple[float, float, float, float]:
    try:
        a, b, c, d = (float(v) for v in value.split(","))
    except ValueError as exc:
        raise BadRequest(_("bbox — це чотири числа через кому: захід,південь,схід,північ."), "invalid_bbox") from exc
    if lat_lon:
        a, b, c, d = b, a, d, c
    if not (a < c and b < d):
        raise BadRequest(_("bbox порожній: захід має бути меншим за схід, південь — за північ."), "invalid_bbox")
    if srid == 4326 and not (-180 <= a and c <= 180 and -90 <= b and d <= 90):
        raise BadRequest(_("bbox поза межами градусів."), "invalid_bbox")
    return a, b, c, d


def _period(value: str | None) -> tuple[str | None, str | None] | None:
    if not value:
        return None
    parts = value.split("/")
    if len(parts) > 2:
        raise BadRequest(_("datetime — це мить або інтервал «початок/кінець»."), "invalid_datetime")
    out = []
    for part in parts:
        if part in ("", ".."):
            out.append(None)
            continue
        try:
            out.append(date.fromisoformat(part[:10]).isoformat())
        except ValueError as exc:
            raise BadRequest(_("Неправильна дата %(v)s (RFC 3339: 2026-01-31 або 2026-01-31T00:00:00Z).") % {"v": part},
                             "invalid_datetime") from exc
    return (out[0], out[0]) if len(out) == 1 else (out[0], out[1])


def _equals(request, collection: str) -> dict[str, str]:
    allowed = geojson.QUERYABLES[collection]
    out = {k: v for k, v in request.GET.items() if k in allowed}
    unknown = [k for k in request.GET if k not in allowed and k not in _ITEM_PARAMS]
    if unknown:
        raise BadRequest(_("Невідомий параметр %(p)s; фільтрувати можна за %(q)s.") % {
            "p": unknown[0], "q": ", ".join(allowed)}, "unknown_parameter")
    text = request.GET.get("filter")
    if text:
        if request.GET.get("filter-lang", "cql2-text") != "cql2-text":
            raise BadRequest(_("Підтримується лише filter-lang=cql2-text."), "unsupported_filter_lang")
        for clause in _CQL2_AND.split(text.strip()):
            m = _CQL2_EQUALS.match(clause)
            if not m or m["name"] not in allowed:
                raise BadRequest(_("Фільтр CQL2: лише рівності полів %(q)s, з’єднані AND.") % {"q": ", ".join(allowed)},
                                 "unsupported_filter")
            out[m["name"]] = m["text"].replace("''", "'") if m["text"] is not None else m["number"]
    return out


def _int(request, name: str, default: int, low: int, high: int | None = None) -> int:
    raw = request.GET.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise BadRequest(_("%(p)s має бути цілим числом.") % {"p": name}, f"invalid_{name}") from exc
    if value < low or (high is not None and value > high):
        raise BadRequest(_("%(p)s має бути від %(lo)d до %(hi)s.") % {"p": name, "lo": low, "hi": high or "∞"},
                         f"invalid_{name}")
    return value


@require_GET
def items(request, collection: str):
    try:
        scope = _scope(request, collection)
    except Denied as exc:
        return exc.response
    try:
        limit = _int(request, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
        offset = _int(request, "offset", 0, 0)
        after = _int(request, "after", -1, 0) if request.GET.get("after") else None
        srid, lat_lon = _crs(request.GET.get("crs"), "crs")
        bbox_srid, bbox_lat_lon = _crs(request.GET.get("bbox-crs"), "bbox-crs")
        bbox = _bbox(request.GET["bbox"], bbox_srid, bbox_lat_lon) if request.GET.get("bbox") else None
        period = _period(request.GET.get("datetime"))
        equals = _equals(request, collection)
    except BadRequest as exc:
        return _bad(exc)
    # A page reached through a next link (after=) does not count the collection again: the first page did.
    page = geojson.layer_geojson(layer=collection, bbox=bbox, bbox_srid=bbox_srid, limit=limit, offset=offset,
                                 srid=srid, lat_lon=lat_lon, equals=equals, period=period, max_limit=MAX_LIMIT,
                                 after=after, count=after is None, raw=not _wants_html(request), **scope)
    links = [{"href": _with(request, limit=limit), "rel": "self", "type": "application/geo+json"},
             {"href": _with(request, limit=limit, f="html"), "rel": "alternate", "type": "text/html"},
             {"href": f"{_base(request)}/collections/{collection}", "rel": "collection", "type": "application/json"}]
    more = (offset + page["numberReturned"] < page["numberMatched"]) if after is None else page["numberReturned"] == limit
    if more and page["numberReturned"]:
        nxt = request.GET.copy()
        nxt.pop("offset", None)
        last = page["last_id"] if "last_id" in page else page["features"][-1]["id"]
        nxt["after"], nxt["limit"] = str(last), str(limit)
        links.append({"href": f"{request.build_absolute_uri(request.path)}?{nxt.urlencode(safe=',/:')}",
                      "rel": "next", "type": "application/geo+json"})
    if offset > 0 and after is None:
        links.append({"href": _with(request, limit=limit, offset=max(0, offset - limit)), "rel": "prev",
                      "type": "application/geo+json"})
    page["links"] = links
    page["timeStamp"] = date.today().isoformat()
    crs_uri = next(uri for uri, v in CRS.items() if v == (srid, lat_lon))
    if _wants_html(request):
        rows = [{"id": f["id"], **f["properties"]} for f in page["features"]]
        return _page(request, title=f"{geojson.layer_title(collection)}: {page['numberReturned']} / {page.get('numberMatched', '…')}",
                     links=links, rows=rows)
    # The features stay the text PostgreSQL wrote; the rest of the document is spliced around them.
    features = page.pop("features")
    page.pop("last_id", None)
    head = json.dumps(page, ensure_ascii=False, default=str)
    response = HttpResponse(f'{head[:-1]}, "features": {features}}}', content_type="application/geo+json")
    response["Cache-Control"] = "public, max-age=300"
    response["Content-Crs"] = f"<{crs_uri}>"
    return _private(response) if scope else response


@require_GET
def item(request, collection: str, fid: int):
    try:
        scope = _scope(request, collection)
        srid, lat_lon = _crs(request.GET.get("crs"), "crs")
    except Denied as exc:
        return exc.response
    except BadRequest as exc:
        return _bad(exc)
    page = geojson.layer_geojson(layer=collection, feature_id=fid, srid=srid, lat_lon=lat_lon, **scope)
    if not page["features"]:
        raise Http404("no such feature")
    feature = page["features"][0]
    feature["links"] = [
        {"href": _with(request), "rel": "self", "type": "application/geo+json"},
        {"href": f"{_base(request)}/collections/{collection}", "rel": "collection", "type": "application/json"}]
    if _wants_html(request):
        return _page(request, title=f"{geojson.layer_title(collection)} {fid}", links=feature["links"],
                     rows=[{"property": k, "value": v} for k, v in feature["properties"].items()])
    crs_uri = next(uri for uri, v in CRS.items() if v == (srid, lat_lon))
    response = _json(feature, "application/geo+json", {"Content-Crs": f"<{crs_uri}>"})
    return _private(response) if scope else response
