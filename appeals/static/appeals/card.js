// The appeal card's map: the building, the appeal, and open appeals nearby (#card-map-config).
"use strict";
(function () {
  var cfg = JSON.parse(document.getElementById("card-map-config").textContent);
  var box = document.getElementById("card-map");
  if (!box || !window.L) return;
  var map = L.map(box, {preferCanvas: true}).setView([48.738, 37.556], 15);
  if (window.ecityBasemap) window.ecityBasemap(map, cfg);
  var layer = L.geoJSON(cfg.map, {
    style: function () { return {color: "#b3261e", weight: 2, fillColor: "#f28b82", fillOpacity: 0.5}; },
    pointToLayer: function (f, latlng) {
      var p = f.properties;
      if (p.layer === "appeal") return L.circleMarker(latlng, {radius: 8, color: "#fff", weight: 2, fillColor: "#b3261e", fillOpacity: 1});
      return L.circleMarker(latlng, {radius: 6, color: "#1f3a5a", weight: 1, fillColor: p.overdue ? "#7a1020" : "#f6c343", fillOpacity: 0.9});
    },
    onEachFeature: function (f, l) {
      var p = f.properties;
      if (p.layer !== "nearby") return;
      var a = document.createElement("a");
      a.href = p.url; a.textContent = p.number + " · " + p.category + (p.overdue ? " · " + cfg.text.overdue : "");
      l.bindPopup(a);
    },
  }).addTo(map);
  map.fitBounds(layer.getBounds(), {maxZoom: 17, padding: [20, 20]});
  window.ecityCardMap = {map: map, nearby: cfg.map.features.filter(function (f) { return f.properties.layer === "nearby"; }).length};
})();
