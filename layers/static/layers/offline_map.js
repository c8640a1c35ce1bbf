/* The admin map widget (layers/widgets.py): OpenLayers from our static files, the registry itself
   (boundary, neighbourhoods, streets) as the basemap. Options come in the wrapper's data-map (no inline
   script, for the Content-Security-Policy); the widget is kept in window[module] as Django's own is. */
(function () {
  "use strict";
  function styleOf(f) {
    var k = f.get("layer");
    if (k === "street") return new ol.style.Style({stroke: new ol.style.Stroke({color: "#b9b2a6", width: 2})});
    if (k === "building") return new ol.style.Style({fill: new ol.style.Fill({color: "#d9d0c9"}), stroke: new ol.style.Stroke({color: "#bfb3a8", width: 0.5})});
    return new ol.style.Style({fill: new ol.style.Fill({color: "rgba(240,236,226,0.6)"}), stroke: new ol.style.Stroke({color: "#9a8f80", width: 1})});
  }
  function start(wrapper) {
    var o = JSON.parse(wrapper.dataset.map);
    var layers = [];
    if (o.tile_url) layers.push(new ol.layer.Tile({source: new ol.source.XYZ({url: o.tile_url})}));
    layers.push(new ol.layer.Vector({
      source: new ol.source.Vector({url: o.basemap_url, format: new ol.format.GeoJSON(), attributions: o.attribution}),
      style: styleOf
    }));
    window[o.module] = new MapWidget({
      base_layer: new ol.layer.Group({layers: layers}),
      geom_name: o.geom_name, id: o.id, map_id: o.id + "_map", map_srid: o.map_srid, name: o.name,
      default_lon: o.default_lon, default_lat: o.default_lat, default_zoom: o.default_zoom
    });
  }
  function all() { document.querySelectorAll(".dj_map_wrapper[data-map]").forEach(start); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", all); else all();
})();
