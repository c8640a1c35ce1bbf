from django.http import HttpResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from layers import selectors


@require_GET
@cache_control(max_age=300, public=True)
def basemap(request):
    """GET /api/v1/layers/basemap: the offline basemap (boundary, neighbourhoods, streets) as GeoJSON."""
    return HttpResponse(selectors.basemap_geojson(), content_type="application/geo+json")
