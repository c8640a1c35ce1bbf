"use strict";
// The dispatcher's "who serves this address" map (/dispatch/lookup): texts from #lookup-text (json_script).
(function () {
  var T = JSON.parse(document.getElementById("lookup-text").textContent);
  var map = L.map("map", {preferCanvas: true}).setView([48.738, 37.556], 13);
  fetch("/api/v1/layers/basemap").then(function (r) { return r.json(); }).then(function (base) {
    L.geoJSON(base, {interactive: false, style: function (f) {
      return f.properties.layer === "street" ? {color: "#b9b2a6", weight: 2}
                                             : {color: "#9a8f80", weight: 1, fillColor: "#f0ece2", fillOpacity: 0.5};
    }}).addTo(map).bringToBack();
  });
  var result = L.layerGroup().addTo(map);
  var palette = ["#1f78b4", "#33a02c", "#e31a1c", "#ff7f00", "#6a3d9a", "#b15928", "#a6cee3", "#b2df8a"];

  function esc(s) { var d = document.createElement("div"); d.textContent = s == null ? "" : String(s); return d.innerHTML; }
  function providerHtml(p) {
    if (!p) return "";
    var phones = (p.phones || []).join(", ");
    return "<div>" + esc(p.name) + " <small>(" + esc(p.kind_name) + ")</small></div>" +
      "<div class='phones'>" + esc(phones) + (p.emergency_phone && phones.indexOf(p.emergency_phone) < 0 ? ", " + esc(p.emergency_phone) : "") + "</div>" +
      "<div><small>" + (p.is_24_7 ? T.h24 : esc(p.hours)) + "</small></div>";
  }
  function show(data) {
    result.clearLayers();
    var b = data.building;
    document.getElementById("building").textContent = b ? b.address : T.noBuilding;
    document.getElementById("building").dataset.buildingId = b ? b.id : "";
    var rows = data.services.map(function (s) {
      var who = s.provider ? providerHtml(s.provider)
        : (s.candidates.length ? s.candidates.map(function (c) { return "<div>" + T.suggest + ": " + providerHtml(c) + "</div>"; }).join("") : "<i>" + T.nobody + "</i>");
      return "<tr class='outcome-" + s.outcome + "' data-kind='" + esc(s.service_kind) + "' data-outcome='" + esc(s.outcome) + "'>" +
        "<td class='kind'>" + esc(s.service_kind_name) + "</td><td>" + who +
        (T.outcomes[s.outcome] ? "<div><b>" + T.outcomes[s.outcome] + "</b></div>" : "") +
        "<div class='reason'>" + esc(s.reason) + "</div></td></tr>";
    });
    document.getElementById("services").innerHTML = rows.join("");
    var i = 0;
    var layer = L.geoJSON(data.geometry, {
      style: function (f) {
        if (f.properties.layer === "building") return {color: "#d00", weight: 3, fillColor: "#f33", fillOpacity: 0.6};
        return {color: palette[(i++) % palette.length], weight: 2, fillOpacity: 0.08, dashArray: "4 3"};
      },
      onEachFeature: function (f, l) {
        var p = f.properties;
        l.bindTooltip(p.layer === "building" ? esc(p.address) : esc(p.name) + " — " + esc(p.provider) + " (" + esc(p.service_kinds.join(", ")) + ")");
      }
    }).addTo(result);
    var marker = L.circleMarker([data.point.lat, data.point.lon], {radius: 6, color: "#d00", fillOpacity: 1}).addTo(result);
    var buildingLayer = null;
    layer.eachLayer(function (l) { if (l.feature.properties.layer === "building") { buildingLayer = l; l.bringToFront(); } });
    window.lookupResult = {data: data, buildingLayer: buildingLayer, areaCount: data.geometry.features.filter(function (f) { return f.properties.layer === "area"; }).length};
    map.setView(marker.getLatLng(), Math.max(map.getZoom(), 16));
  }
  function lookup(params) {
    document.getElementById("status").textContent = "…";
    params.set("geometry", "1");
    fetch("/api/v1/lookup?" + params.toString()).then(function (r) {
      return r.json().then(function (body) { return {status: r.status, body: body}; });
    }).then(function (res) {
      if (res.status !== 200) {
        var msg = (res.status === 404 ? T.notFound : res.status === 300 ? T.ambiguous : T.error) + ": " + (res.body.detail || "");
        if (res.status === 300) msg += " — " + res.body.candidates.map(function (c) { return c.address + (c.neighbourhood ? " (" + c.neighbourhood + ")" : ""); }).join("; ");
        document.getElementById("status").textContent = msg;
        return;
      }
      var g = res.body.geocoding;
      document.getElementById("status").textContent = g ? g.address + " (" + g.match + ")" : "";
      show(res.body);
    });
  }
  document.getElementById("lookup-form").addEventListener("submit", function (e) {
    e.preventDefault();
    lookup(new URLSearchParams({q: document.getElementById("q").value}));
  });
  map.on("click", function (e) {
    lookup(new URLSearchParams({lon: e.latlng.lng.toFixed(7), lat: e.latlng.lat.toFixed(7)}));
  });
  if (document.getElementById("q").value) { lookup(new URLSearchParams({q: document.getElementById("q").value})); }
})();
