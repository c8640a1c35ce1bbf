/* The registry health map (/admin/layers/servicearea/health/): problems from #health-features over our basemap. */
(function () {
  var colours = {gap: "#d7301f", overlap: "#7a0177", overlap_priority: "#c994c7", without_housing: "#fe9929", empty_area: "#2b8cbe"};
  var map = L.map("health-map", {preferCanvas: true}).setView([48.738, 37.556], 12);
  fetch("/api/v1/layers/basemap").then(function (r) { return r.json(); }).then(function (base) {
    L.geoJSON(base, {interactive: false, style: function (f) {
      return f.properties.layer === "street" ? {color: "#b9b2a6", weight: 2} : {color: "#9a8f80", weight: 1, fillColor: "#f0ece2", fillOpacity: 0.5};
    }}).addTo(map).bringToBack();
  });
  var data = JSON.parse(JSON.parse(document.getElementById("health-features").textContent));
  var layer = L.geoJSON(data, {
    pointToLayer: function (f, latlng) {
      return L.circleMarker(latlng, {radius: 5, color: colours[f.properties.problem], fillOpacity: 0.8});
    },
    style: function (f) { return {color: colours[f.properties.problem], weight: 2, fillOpacity: 0.15}; },
    onEachFeature: function (f, l) {
      var p = f.properties;
      l.bindPopup(p.problem + (p.detail ? ": " + p.detail : "") + (p.building_id ? " (#" + p.building_id + ")" : "") + (p.area_id ? " (зона " + p.area_id + ")" : ""));
    }
  }).addTo(map);
  window.healthLayer = layer;
  if (data.features.length) { map.fitBounds(layer.getBounds(), {maxZoom: 16}); }
})();
