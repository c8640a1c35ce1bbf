from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from gis.api_errors import error_json
from gis.params import BadParameter, parse_bbox
from layers import selectors


@require_GET
@cache_control(max_age=300, public=True)
def basemap(request):
    """GET /api/v1/layers/basemap: the offline basemap (boundary, neighbourhoods, streets) as GeoJSON."""
    return HttpResponse(selectors.basemap_geojson(), content_type="application/geo+json")


@require_GET
@cache_control(max_age=300, public=True)
def house_numbers(request):
    """GET /api/v1/layers/housenumbers?bbox=west,south,east,north: house numbers for the basemap's street zooms."""
    try:
        west, south, east, north = parse_bbox(request.GET.get("bbox"))
    except BadParameter as exc:
        return exc.response()
    span = selectors.HOUSE_NUMBERS_MAX_SPAN_DEG
    if east - west > span or north - south > span:
        return error_json(_("bbox завеликий для номерів будинків: наблизьте карту."), code="bbox_too_large")
    return HttpResponse(selectors.house_numbers_geojson(bbox=(west, south, east, north)),
                        content_type="application/geo+json")
