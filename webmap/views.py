"""Pages (public map, analytics) and the vector tile endpoint. Views only adapt; logic is in the modules."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from appeals.models import Status
from gis.params import BadParameter
from webmap import access, public_api, selectors, tiles

MVT_TYPE = "application/vnd.mapbox-vector-tile"
# Kramatorsk: where the map opens (lon, lat) and at which zoom.
CITY_CENTRE = (37.56, 48.73)
CITY_ZOOM = 12


def _map_config(request) -> dict:
    return {
        "centre": {"lon": CITY_CENTRE[0], "lat": CITY_CENTRE[1]}, "zoom": CITY_ZOOM,
        "basemapTileUrl": settings.BASEMAP_TILE_URL, "attribution": settings.DEMO_ATTRIBUTION,
        "clusterMaxZoom": public_api.VIEWPORT_CLUSTER_MAX_ZOOM, "windowDays": selectors.public_window_days(),
    }


@require_GET
def public_map(request):
    """/ : the public map of appeals."""
    context = {
        "config_json": json.dumps(_map_config(request), ensure_ascii=False),
        "categories": selectors.public_categories(),
        "statuses": list(Status),
        "window_days": selectors.public_window_days(),
        "service_kinds": _service_kinds(),
    }
    return render(request, "webmap/public_map.html", context)


def _service_kinds() -> list[dict]:
    from layers.models import ServiceKind

    return [{"code": k.code, "name": k.name_uk} for k in ServiceKind.objects.filter(areas__isnull=False).distinct()]


@login_required
@require_GET
def analytics(request):
    """/analytics/ : heatmaps, incidents, choropleths and repeat addresses, for analysts."""
    if not access.is_analyst(request.user):
        raise PermissionDenied
    from layers.models import Category

    categories = list(Category.objects.values("code", "name_uk"))
    config = {**_map_config(request), "categoryNames": {c["code"]: c["name_uk"] for c in categories},
              "text": ANALYTICS_TEXT}
    context = {"config_json": json.dumps(config, ensure_ascii=False, default=str), "categories": categories}
    return render(request, "webmap/analytics.html", context)


# The analytics page's words (its script has none of its own, so the page can be translated).
ANALYTICS_TEXT = {
    "wholePeriod": gettext_lazy("увесь період"),
    "frames": gettext_lazy("Кадрів"),
    "frame": gettext_lazy("Кадр"),
    "appeals": gettext_lazy("звернень"),
    "buildings": gettext_lazy("будинків"),
    "inPeriod": gettext_lazy("за період"),
    "incidents": gettext_lazy("Інцидентів"),
    "ofAppeals": gettext_lazy("із звернень"),
    "areas": gettext_lazy("Областей"),
    "per1000": gettext_lazy("на 1000 мешканців"),
    "legendHeat": gettext_lazy("Щільність звернень"),
    "legendLow": gettext_lazy("мало"),
    "legendHigh": gettext_lazy("багато"),
    "legendIncident": gettext_lazy("Інцидент: звернення однієї категорії з кількох будинків поруч за короткий час"),
    "legendChoropleth": gettext_lazy("Звернень в області"),
    "trend": gettext_lazy("Тренд за категоріями"),
    "weekOf": gettext_lazy("тиждень з"),
}


@require_GET
def tile(request, layer: str, z: int, x: int, y: int):
    """/tiles/<layer>/{z}/{x}/{y}.pbf : one Mapbox vector tile.

    Public layers may be cached by anyone for a minute; the staff layer only by the browser (private):
    no decorator here, since one would override the private header of the staff layer.
    """
    if layer not in tiles.LAYERS and layer != "appeals_internal":
        raise Http404("no such layer")
    if not (0 <= z <= 22 and 0 <= x < 2**z and 0 <= y < 2**z):
        raise Http404("no such tile")
    if layer == "appeals_internal":
        return _internal_tile(request, z=z, x=x, y=y)
    if layer == "appeals":
        # The public filter is a function of these parameters and the day: the cache key needs no query.
        key = "public:" + ":".join(request.GET.get(p, "") for p in ("category", "status", "days"))
        key += f":{selectors.today():%Y%m%d}:{selectors.public_window_days()}"
        try:
            data = tiles.tile(layer=layer, z=z, x=x, y=y, filter_key=key,
                              make_filter=lambda: public_api.filter_from_request(request))
        except BadParameter as exc:
            return exc.response()
    else:
        data = tiles.tile(layer=layer, z=z, x=x, y=y)
    response = HttpResponse(data, content_type=MVT_TYPE)
    patch_cache_control(response, public=True, max_age=60)
    return response


def _internal_tile(request, *, z: int, x: int, y: int):
    """Every category, within the user's scope (appeals.roles.scope_of): an operator sees the appeals routed to
    their provider, a supervisor those of their provider kinds; no role (even Django staff) is refused."""
    if not access.is_staff_member(request.user):
        raise PermissionDenied
    scope = access.internal_scope(request.user)
    if scope.nothing:
        raise PermissionDenied
    public = public_api.filter_from_request(request)
    codes = [c for c in request.GET.get("category", "").split(",") if c]
    f = selectors.AppealFilter(
        since=public.since, until=public.until, statuses=public.statuses,
        category_ids=selectors.category_ids(codes=codes, public_only=False),
        provider_id=scope.provider_id, provider_kinds=scope.provider_kinds, public=False,
    )
    data = tiles.tile(layer="appeals", z=z, x=x, y=y, f=f)
    response = HttpResponse(data, content_type=MVT_TYPE)
    patch_cache_control(response, private=True, max_age=30)
    patch_vary_headers(response, ("Cookie",))
    return response
