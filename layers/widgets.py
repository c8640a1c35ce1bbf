"""An admin map widget that works with no internet.

Django's OpenLayersWidget loads OpenLayers from a CDN and draws a NASA/OSM
tile layer. Ours serves OpenLayers from our own static files (npm registry,
see scripts/vendor.sh) and draws the registry itself (boundary, neighbourhoods,
streets) as the basemap, from /api/v1/layers/basemap. Django's template starts
the map with an inline script; ours passes the options as JSON in a data
attribute and layers/offline_map.js starts it (the CSP allows no inline script).
"""

import json

from django.conf import settings
from django.contrib.gis.forms.widgets import OpenLayersWidget


class OfflineMapWidget(OpenLayersWidget):
    template_name = "layers/widgets/offline_map.html"
    # Kramatorsk centre, EPSG:4326 lon/lat; OLMapWidget reprojects.
    default_lon = 37.556
    default_lat = 48.738
    default_zoom = 12

    class Media:
        extend = False  # drop the parent's CDN links
        css = {"all": ("vendor/ol/ol.css", "gis/css/ol3.css")}
        js = ("vendor/ol/ol.js", "gis/js/OLMapWidget.js", "layers/offline_map.js")

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["basemap_url"] = "/api/v1/layers/basemap"
        context["tile_url"] = settings.BASEMAP_TILE_URL
        context["attribution"] = settings.DEMO_ATTRIBUTION
        context["default_lon"] = self.default_lon
        context["default_lat"] = self.default_lat
        context["default_zoom"] = self.default_zoom
        context["map_json"] = json.dumps({
            "module": context["module"], "id": context.get("id", ""), "name": context["name"],
            "geom_name": context["geom_type"], "map_srid": self.map_srid,
            "basemap_url": context["basemap_url"], "tile_url": context["tile_url"],
            "attribution": context["attribution"], "default_lon": self.default_lon,
            "default_lat": self.default_lat, "default_zoom": self.default_zoom,
        })
        return context
