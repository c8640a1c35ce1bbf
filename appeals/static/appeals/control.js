// The control page's map of overdue and escalated work (points from #control-config, staff only).
"use strict";
(function () {
  var cfg = JSON.parse(document.getElementById("control-config").textContent);
  var box = document.getElementById("control-map");
  if (!box || !window.L) return;
  var map = L.map(box, {preferCanvas: true}).setView([48.738, 37.556], 12);
  if (window.ecityBasemap) window.ecityBasemap(map, cfg);
  var layer = L.geoJSON(cfg.points, {
    pointToLayer: function (f, latlng) {
      return L.circleMarker(latlng, {radius: 6, weight: 1, color: "#fff",
        fillColor: f.properties.overdue ? "#b3261e" : "#e9a23b", fillOpacity: 0.9});
    },
    onEachFeature: function (f, l) {
      var p = f.properties;
      var a = document.createElement("a");
      a.href = p.url; a.textContent = p.number + " · " + p.category + (p.overdue ? " · " + cfg.text.overdue : "");
      l.bindPopup(a);
    },
  }).addTo(map);
  if (cfg.points.features.length) map.fitBounds(layer.getBounds(), {maxZoom: 16, padding: [20, 20]});
  window.ecityControlMap = {map: map, points: cfg.points.features.length};
})();
