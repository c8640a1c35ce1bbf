// The offline basemap: our own boundary, neighbourhoods and streets (/api/v1/layers/basemap) and,
// from zoom 14, building footprints as vector tiles (/tiles/buildings/...). An online tile layer is
// added only when BASEMAP_TILE_URL is set. Nothing here loads anything from the internet by itself.
"use strict";
window.ecityBasemap = function (map, config) {
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution(config.attribution);
  if (config.basemapTileUrl) {
    L.tileLayer(config.basemapTileUrl, {maxZoom: 19}).addTo(map);
  }
  map.createPane("basemap");
  map.getPane("basemap").style.zIndex = 250;
  const styles = {
    boundary: {color: "#1d3557", weight: 2, fill: false, dashArray: "6 4"},
    neighbourhood: {color: "#a8b5a2", weight: 1, fillColor: "#dfe7d6", fillOpacity: 0.5},
    street: {color: "#ffffff", weight: 3, opacity: 0.95},
  };
  const done = fetch("/api/v1/layers/basemap").then(r => r.json()).then(fc => {
    L.geoJSON(fc, {
      pane: "basemap", interactive: false,
      style: f => styles[f.properties.layer] || {color: "#999", weight: 1},
    }).addTo(map);
  });
  if (window.L && L.vectorGrid) {
    L.vectorGrid.protobuf("/tiles/buildings/{z}/{x}/{y}.pbf", {
      pane: "basemap", minZoom: 14, maxNativeZoom: 18, interactive: false,
      vectorTileLayerStyles: {buildings: {fill: true, fillColor: "#d9cfc1", fillOpacity: 0.9, color: "#b9ab98", weight: 0.5}},
    }).addTo(map);
  }
  return done;
};
