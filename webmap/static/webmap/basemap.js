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
  // Street names at street zooms (≥ 16): one label per street in view, at the middle of its axis.
  const labels = L.layerGroup().addTo(map);
  let streets = [];
  function drawLabels() {
    labels.clearLayers();
    if (map.getZoom() < 16) return;
    const view = map.getBounds();
    const c = map.getCenter();
    let n = 0;
    for (const s of streets) {
      if (n >= 150) break;
      // The point of the street's axis nearest to the view's centre (planar in degrees: placement only).
      let best = null, bestD = Infinity;
      for (let i = 0; i + 1 < s.line.length; i++) {
        const [x1, y1] = s.line[i], [x2, y2] = s.line[i + 1];
        const dx = x2 - x1, dy = y2 - y1, len = dx * dx + dy * dy;
        const t = len ? Math.max(0, Math.min(1, ((c.lng - x1) * dx + (c.lat - y1) * dy) / len)) : 0;
        const px = x1 + t * dx, py = y1 + t * dy, d = (px - c.lng) ** 2 + (py - c.lat) ** 2;
        if (d < bestD) { bestD = d; best = L.latLng(py, px); }
      }
      if (!best || !view.contains(best)) continue;
      labels.addLayer(L.marker(best, {interactive: false, keyboard: false, pane: "basemap",
        icon: L.divIcon({className: "street-label", html: s.name.replace(/[&<>"']/g, ""), iconSize: null})}));
      n++;
    }
  }
  const done = fetch("/api/v1/layers/basemap").then(r => r.json()).then(fc => {
    L.geoJSON(fc, {
      pane: "basemap", interactive: false,
      style: f => styles[f.properties.layer] || {color: "#999", weight: 1},
    }).addTo(map);
    for (const f of fc.features) {
      if (f.properties.layer !== "street" || !f.properties.name || !f.geometry) continue;
      const line = f.geometry.type === "MultiLineString" ? f.geometry.coordinates[0] : f.geometry.coordinates;
      if (!line || line.length < 2) continue;
      streets.push({name: f.properties.name, line: line});
    }
    drawLabels();
  });
  map.on("moveend", drawLabels);
  // House numbers at the closest zooms (≥ 17), from our own addresses (/api/v1/layers/housenumbers), for the
  // view and a margin around it; a newer view cancels the request of the previous one.
  const numbers = L.layerGroup().addTo(map);
  let pending = null;
  function drawNumbers() {
    if (pending) pending.abort();
    if (map.getZoom() < 17) { numbers.clearLayers(); return; }
    const b = map.getBounds().pad(0.2);
    const bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(v => v.toFixed(5)).join(",");
    pending = new AbortController();
    fetch("/api/v1/layers/housenumbers?bbox=" + bbox, {signal: pending.signal})
      .then(r => r.ok ? r.json() : {features: []})
      .then(fc => {
        numbers.clearLayers();
        for (const f of fc.features) {
          const [x, y] = f.geometry.coordinates;
          numbers.addLayer(L.marker([y, x], {interactive: false, keyboard: false, pane: "basemap",
            icon: L.divIcon({className: "house-number", html: "<span>" + String(f.properties.n).replace(/[&<>"']/g, "") + "</span>",
                             iconSize: null})}));
        }
        map.getContainer().dataset.houseNumbers = String(fc.features.length);
      })
      .catch(err => { if (err.name !== "AbortError") throw err; });
  }
  map.on("moveend", drawNumbers);
  drawNumbers();
  if (window.L && L.vectorGrid) {
    L.vectorGrid.protobuf("/tiles/buildings/{z}/{x}/{y}.pbf", {
      pane: "basemap", minZoom: 14, maxNativeZoom: 18, interactive: false,
      vectorTileLayerStyles: {buildings: {fill: true, fillColor: "#d9cfc1", fillOpacity: 0.9, color: "#b9ab98", weight: 0.5}},
    }).addTo(map);
  }
  return done;
};
