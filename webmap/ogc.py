"""OGC API – Features (Part 1: Core, GeoJSON) for the registry layers, so QGIS can open them.

/ogc/ → landing page; /ogc/conformance; /ogc/collections; /ogc/collections/{id};
/ogc/collections/{id}/items?bbox=w,s,e,n&limit=&offset= (at most clusters.MAX_FEATURES per page);
/ogc/collections/{id}/items/{featureId}. Coordinates are CRS84 (lon, lat).
"""

from __future__ import annotations

import json

from django.db import connection
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.views.decorators.http import require_GET

from webmap import geojson
from webmap.clusters import MAX_FEATURES
from webmap.public_api import BadRequest, parse_bbox

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]
DEFAULT_LIMIT = 1000


def _json(request, payload, content_type: str = "application/json") -> HttpResponse:
    response = HttpResponse(json.dumps(payload, ensure_ascii=False, default=str), content_type=content_type)
    response["Cache-Control"] = "public, max-age=300"
    return response


def _base(request) -> str:
    return request.build_absolute_uri("/ogc")


@require_GET
def landing(request):
    base = _base(request)
    return _json(request, {
        "title": "E-City: реєстр міста", "description": "OGC API – Features: будинки, вулиці, мікрорайони, межа, зони обслуговування",
        "links": [
            {"href": f"{base}/", "rel": "self", "type": "application/json", "title": "this document"},
            {"href": request.build_absolute_uri("/api/v1/schema"), "rel": "service-desc",
             "type": "application/vnd.oai.openapi+json;version=3.0", "title": "API definition"},
            {"href": f"{base}/conformance", "rel": "conformance", "type": "application/json"},
            {"href": f"{base}/collections", "rel": "data", "type": "application/json"},
        ],
    })


@require_GET
def conformance(request):
    return _json(request, {"conformsTo": CONFORMANCE})


def _extent(layer: str) -> list[float] | None:
    table = {"boundary": "layers_boundary", "neighbourhoods": "layers_neighbourhood", "streets": "layers_street",
             "buildings": "layers_building", "service_areas": "layers_servicearea"}[layer]
    with connection.cursor() as cur:
        # table comes from the fixed mapping above, never from the request
        cur.execute(f"SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(geom) AS e FROM {table}) q")
        row = cur.fetchone()
    return [round(v, 6) for v in row] if row and row[0] is not None else None


def _collection(request, layer: str) -> dict:
    base = _base(request)
    extent = _extent(layer)
    return {
        "id": layer, "title": geojson.layer_title(layer), "itemType": "feature", "crs": [CRS84],
        "extent": {"spatial": {"bbox": [extent] if extent else [], "crs": CRS84}},
        "links": [
            {"href": f"{base}/collections/{layer}", "rel": "self", "type": "application/json"},
            {"href": f"{base}/collections/{layer}/items", "rel": "items", "type": "application/geo+json"},
        ],
    }


@require_GET
def collections(request):
    base = _base(request)
    return _json(request, {
        "links": [{"href": f"{base}/collections", "rel": "self", "type": "application/json"}],
        "collections": [_collection(request, layer) for layer in geojson.LAYERS],
    })


@require_GET
def collection(request, collection: str):
    if collection not in geojson.LAYERS:
        raise Http404("no such collection")
    return _json(request, _collection(request, collection))


@require_GET
def items(request, collection: str):
    if collection not in geojson.LAYERS:
        raise Http404("no such collection")
    try:
        bbox = parse_bbox(request.GET["bbox"]) if request.GET.get("bbox") else None
        limit = int(request.GET.get("limit", DEFAULT_LIMIT))
        offset = int(request.GET.get("offset", 0))
        if limit < 1 or offset < 0:
            raise BadRequest("limit must be ≥ 1 and offset ≥ 0")
    except (BadRequest, ValueError) as exc:
        return HttpResponseBadRequest(str(exc))
    limit = min(limit, MAX_FEATURES)
    page = geojson.layer_geojson(layer=collection, bbox=bbox, limit=limit, offset=offset)
    base = f"{_base(request)}/collections/{collection}/items"
    extra = f"&bbox={request.GET['bbox']}" if bbox else ""
    links = [{"href": f"{base}?limit={limit}&offset={offset}{extra}", "rel": "self", "type": "application/geo+json"}]
    if offset + page["numberReturned"] < page["numberMatched"]:
        links.append({"href": f"{base}?limit={limit}&offset={offset + limit}{extra}", "rel": "next",
                      "type": "application/geo+json"})
    page["links"] = links
    return _json(request, page, "application/geo+json")


@require_GET
def item(request, collection: str, fid: int):
    if collection not in geojson.LAYERS:
        raise Http404("no such collection")
    page = geojson.layer_geojson(layer=collection, feature_id=fid)
    if not page["features"]:
        raise Http404("no such feature")
    return _json(request, page["features"][0], "application/geo+json")
