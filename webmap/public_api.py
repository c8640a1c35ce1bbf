"""Public JSON endpoints of the map (no sign-in; no personal data, ever).

GET /api/v1/public/categories                    public categories and statuses (for the filters)
GET /api/v1/public/clusters?bbox=w,s,e,n&zoom=z  clusters at city zooms, appeals one by one at street zooms
      [&category=code,...][&status=s,...][&days=N]
GET /api/v1/public/appeals/<number>              the public card
GET /api/v1/public/layers/<layer>?bbox=w,s,e,n   small registry layers as GeoJSON, at most MAX_FEATURES
GET /api/v1/public/outages                       active and planned outages (GeoJSON; outages.selectors)
"""

from __future__ import annotations

import json

from django.http import Http404, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from appeals.models import Status
from gis.params import BadParameter, parse_bbox
from webmap import clusters as cl
from webmap import geojson, selectors

# A whole screen at zoom 17 holds thousands of appeals: the viewport API still clusters there (on the
# finest stored cells) and sends appeals one by one from zoom 18. Tiles are smaller: one by one from 17.
VIEWPORT_CLUSTER_MAX_ZOOM = cl.CLUSTER_MAX_ZOOM + 1


def _list(request, name: str) -> list[str]:
    return [v for v in request.GET.get(name, "").split(",") if v]


def filter_from_request(request) -> selectors.AppealFilter:
    days = request.GET.get("days")
    try:
        days_n = int(days) if days else None
    except ValueError as exc:
        raise BadParameter(_("days: очікується ціле число днів."), code="invalid_days") from exc
    return selectors.public_filter(days=days_n, category_codes=_list(request, "category"),
                                   statuses=_list(request, "status"))


def clusters_payload(f: selectors.AppealFilter, *, zoom: int, bbox: tuple[float, float, float, float]) -> dict | str:
    """A GeoJSON FeatureCollection: clusters (``cluster: true``) up to CLUSTER_MAX_ZOOM, else single appeals
    (then already serialised, as a string)."""
    west, south, east, north = bbox
    if zoom <= VIEWPORT_CLUSTER_MAX_ZOOM:
        xmin, ymin = cl.lonlat_to_mercator(west, south)
        xmax, ymax = cl.lonlat_to_mercator(east, north)
        features = []
        grid_zoom = min(zoom, cl.CLUSTER_MAX_ZOOM)  # at zoom 17 the finest cells (~100 m) are the clusters
        for c in selectors.clusters(f, zoom=grid_zoom, xmin=xmin, ymin=ymin, xmax=xmax, ymax=ymax):
            lon, lat = cl.mercator_to_lonlat(c["x"], c["y"])
            by_status = c["by_status"]
            features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
                             "properties": {"cluster": True, "count": c["count"], "by_status": by_status,
                                            "open": sum(v for k, v in by_status.items() if k in selectors.OPEN_STATUSES),
                                            "last_week": c["last_week"].isoformat() if c["last_week"] else None}})
        return {"type": "FeatureCollection", "zoom": zoom, "clustered": True, "features": features}
    count, features = selectors.appeals_geojson(f, west=west, south=south, east=east, north=north)
    # Assembled as text around PostGIS's JSON: no Python object per feature.
    truncated = "true" if count >= cl.MAX_FEATURES else "false"
    return f'{{"type": "FeatureCollection", "zoom": {int(zoom)}, "clustered": false, "truncated": {truncated}, "features": {features}}}'


@require_GET
@cache_control(max_age=300, public=True)
def categories(request):
    return JsonResponse({
        "categories": [{"code": c["code"], "name": c["name"]} for c in selectors.public_categories()],
        "statuses": [{"code": s.value, "name": str(s.label)} for s in Status],
        "window_days": selectors.public_window_days(),
    })


@require_GET
@cache_control(max_age=30, public=True)
def clusters(request):
    try:
        bbox = parse_bbox(request.GET.get("bbox"))
        try:
            zoom = int(request.GET.get("zoom", ""))
        except ValueError as exc:
            raise BadParameter(_("zoom: очікується ціле число від 0 до 22."), code="invalid_zoom") from exc
        if not 0 <= zoom <= 22:
            raise BadParameter(_("zoom: очікується ціле число від 0 до 22."), code="invalid_zoom")
        f = filter_from_request(request)
    except BadParameter as exc:
        return exc.response()
    payload = clusters_payload(f, zoom=zoom, bbox=bbox)
    if isinstance(payload, str):
        return HttpResponse(payload, content_type="application/json")
    return JsonResponse(payload, json_dumps_params={"ensure_ascii": False})


@require_GET
@cache_control(max_age=60, public=True)
def appeal_card(request, number: str):
    card = selectors.public_card(number=number)
    if card is None:
        raise Http404("no public appeal with this number")
    return JsonResponse(card, json_dumps_params={"ensure_ascii": False})


@require_GET
@cache_control(max_age=300, public=True)
def layer(request, layer: str):
    if layer not in geojson.LAYERS:
        raise Http404("no such layer")
    try:
        bbox = parse_bbox(request.GET.get("bbox")) if request.GET.get("bbox") else None
        kind = request.GET.get("service_kind") or None
    except BadParameter as exc:
        return exc.response()
    collection = geojson.layer_geojson(layer=layer, bbox=bbox, service_kind=kind)
    return HttpResponse(json.dumps(collection, ensure_ascii=False), content_type="application/geo+json")


class PublicOutageProperties(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=["emergency", "planned"])
    service_kind = serializers.CharField(help_text="код виду послуги (кілька — через кому)")
    service_kind_name = serializers.CharField()
    provider_name = serializers.CharField()
    status = serializers.CharField()
    started_at = serializers.DateTimeField()
    expected_end = serializers.DateTimeField(allow_null=True)
    public_note = serializers.CharField()


class PublicOutageFeature(serializers.Serializer):
    type = serializers.CharField(default="Feature")
    id = serializers.IntegerField()
    geometry = serializers.DictField(help_text="MultiPolygon GeoJSON, EPSG:4326")
    properties = PublicOutageProperties()


class PublicOutageCollection(serializers.Serializer):
    type = serializers.CharField(default="FeatureCollection")
    features = PublicOutageFeature(many=True)


class PublicOutagesView(APIView):
    """GET /api/v1/public/outages: active and planned outages as GeoJSON (no personal data, no sign-in)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(responses={200: PublicOutageCollection},
                   summary="Відключення: чинні та заплановані (GeoJSON, без персональних даних)")
    def get(self, request):
        from outages.selectors import public_outages_geojson

        response = Response(public_outages_geojson())
        response["Cache-Control"] = "public, max-age=30"
        return response
