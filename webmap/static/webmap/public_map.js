// The public map: clusters from the server at city zooms, appeals one by one at street zooms.
// State for tests and the benchmark: #map[data-state] is "ready" once appeals are drawn,
// window.ecityMap is the Leaflet map, window.ecityFirstRenderMs the time to the first drawn appeals.
"use strict";
(function () {
  const config = JSON.parse(document.getElementById("map-config").textContent);
  const el = document.getElementById("map");
  const map = L.map(el, {zoomControl: true, minZoom: 8, maxZoom: 19}).setView([config.centre.lat, config.centre.lon], config.zoom);
  window.ecityMap = map;
  window.ecityBasemap(map, config);
  const appeals = L.layerGroup().addTo(map);
  const card = document.getElementById("card");
  let seq = 0;

  function params() {
    const q = new URLSearchParams();
    for (const id of ["category", "status", "days"]) {
      const v = document.getElementById("f-" + id).value;
      if (v) q.set(id, v);
    }
    return q;
  }

  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, c => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
  }

  function showCard(number) {
    fetch("/api/v1/public/appeals/" + encodeURIComponent(number)).then(r => r.json()).then(c => {
      card.hidden = false;
      card.innerHTML = `<h3>Звернення № ${esc(c.number)}</h3><dl>
        <dt>Категорія</dt><dd>${esc(c.category_name)}</dd>
        <dt>Стан</dt><dd class="card-status">${esc(c.status_label)}</dd>
        <dt>Адреса</dt><dd>${esc(c.address || "—")}</dd>
        <dt>Зареєстровано</dt><dd>${esc(c.created)}</dd>
        <dt>Строк</dt><dd>${esc(c.deadline || "—")}</dd>
        <dt>Виконано</dt><dd>${esc(c.resolved || "—")}</dd></dl>`;
    });
  }

  // A cluster's status mix as a donut (SVG attributes, not style="": the CSP forbids inline styles):
  // red = open (registered, sent, accepted, reopened), amber = in progress, green = done.
  const MIX = [
    ["open", "#e63946", ["registered", "sent", "accepted", "rejected", "reopened"]],
    ["progress", "#f4a261", ["in_progress"]],
    ["done", "#2a9d8f", ["resolved", "confirmed", "closed"]],
  ];
  function mix(p) {
    const by = p.by_status || {};
    return MIX.map(([key, colour, statuses]) => [key, colour, statuses.reduce((n, s) => n + (by[s] || 0), 0)]);
  }
  function donut(parts, size) {
    const total = parts.reduce((n, [, , v]) => n + v, 0) || 1;
    const r = size / 2 - 3, c = 2 * Math.PI * r;
    let offset = 0, arcs = "";
    for (const [key, colour, v] of parts) {
      if (!v) continue;
      const len = c * v / total;
      arcs += `<circle class="mix-${key}" r="${r}" cx="${size / 2}" cy="${size / 2}" fill="none" stroke="${colour}" ` +
              `stroke-width="5" stroke-dasharray="${len} ${c - len}" stroke-dashoffset="${-offset}" ` +
              `transform="rotate(-90 ${size / 2} ${size / 2})"></circle>`;
      offset += len;
    }
    return `<svg class="cluster-donut" width="${size}" height="${size}" aria-hidden="true">${arcs}</svg>`;
  }

  function clusterIcon(p) {
    const size = Math.round(30 + Math.min(30, Math.log2(p.count + 1) * 4));
    const parts = mix(p);
    const title = parts.map(([key, , v]) => `${{open: "відкриті", progress: "у роботі", done: "виконані"}[key]}: ${v}`).join(", ");
    return L.divIcon({
      className: "appeal-cluster-wrap", iconSize: [size, size],
      // Sized by Leaflet through iconSize (the CSP forbids style="" in markup); .appeal-cluster fills it.
      html: `<div class="appeal-cluster" title="${title}">${donut(parts, size)}` +
            `<span>${p.count}</span></div>`,
    });
  }

  // Several appeals at one building: fanned out on a small circle around it, so each can be clicked.
  function fanOut(features) {
    const groups = new Map();
    for (const f of features) {
      if (f.properties.cluster) continue;
      const key = f.geometry.coordinates.map(v => v.toFixed(6)).join(",");
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push(f);
    }
    const shifted = new Map();
    for (const group of groups.values()) {
      if (group.length < 2) continue;
      const [lon, lat] = group[0].geometry.coordinates;
      const centre = map.latLngToLayerPoint([lat, lon]);
      const radius = Math.min(40, 10 + 3 * group.length);
      group.forEach((f, i) => {
        const a = 2 * Math.PI * i / group.length;
        shifted.set(f, map.layerPointToLatLng(L.point(centre.x + radius * Math.cos(a), centre.y + radius * Math.sin(a))));
      });
      const spokes = group.map(f => [[lat, lon], shifted.get(f)]);
      appeals.addLayer(L.polyline(spokes, {color: "#1d3557", weight: 1, opacity: 0.6, interactive: false}));
    }
    return shifted;
  }

  function draw(fc) {
    appeals.clearLayers();
    const shifted = fanOut(fc.features);
    for (const f of fc.features) {
      const [lon, lat] = f.geometry.coordinates;
      const p = f.properties;
      if (p.cluster) {
        const m = L.marker([lat, lon], {icon: clusterIcon(p), title: `${p.count}`});
        m.on("click", () => map.setView([lat, lon], Math.min(map.getZoom() + 2, config.clusterMaxZoom + 1)));
        appeals.addLayer(m);
      } else {
        const cls = p.open ? "open" : "resolved";
        const icon = L.divIcon({className: "", iconSize: [12, 12],
          html: `<div class="appeal-pin ${cls}" data-number="${esc(p.number)}"></div>`});
        // Older appeals fade: the marker's opacity is set by Leaflet (CSSOM), not by a style attribute.
        const m = L.marker(shifted.get(f) || [lat, lon], {icon: icon, title: `№ ${p.number}`, opacity: 1 - 0.75 * p.age});
        m.on("click", () => showCard(p.number));
        appeals.addLayer(m);
      }
    }
  }

  function load() {
    const b = map.getBounds();
    const q = params();
    q.set("bbox", [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(v => v.toFixed(6)).join(","));
    q.set("zoom", map.getZoom());
    const mine = ++seq;
    el.dataset.state = "loading";
    return fetch("/api/v1/public/clusters?" + q).then(r => r.json()).then(fc => {
      if (mine !== seq) return;
      draw(fc);
      el.dataset.state = "ready";
      el.dataset.zoom = String(fc.zoom);
      if (window.ecityFirstRenderMs === undefined) window.ecityFirstRenderMs = performance.now();
    });
  }

  map.on("moveend", load);
  document.getElementById("filters").addEventListener("change", load);
  load();

  // Service areas on demand, coloured by provider.
  const areaLayers = {};
  for (const box of document.querySelectorAll(".area-toggle")) {
    box.addEventListener("change", () => {
      const kind = box.value;
      if (!box.checked) { if (areaLayers[kind]) map.removeLayer(areaLayers[kind]); areaLegend(kind, null); return; }
      fetch("/api/v1/public/layers/service_areas?service_kind=" + encodeURIComponent(kind)).then(r => r.json()).then(fc => {
        areaLayers[kind] = L.geoJSON(fc, {
          style: f => ({color: f.properties.colour, weight: 2, fillColor: f.properties.colour, fillOpacity: 0.15}),
          onEachFeature: (f, layer) => layer.bindPopup(`<b>${esc(f.properties.provider)}</b><br>${esc(f.properties.name)}`),
        }).addTo(map);
        areaLegend(kind, fc);
      });
    });
  }

  // The legend of the service areas shown: each provider with its colour.
  const legends = {};
  function areaLegend(kind, fc) {
    const box = document.getElementById("area-legend");
    if (!box) return;
    if (fc) {
      const seen = new Map();
      for (const f of fc.features) seen.set(f.properties.provider, f.properties.colour);
      legends[kind] = [...seen.entries()].sort((a, b) => a[0].localeCompare(b[0], "uk"));
    } else delete legends[kind];
    box.replaceChildren(...Object.values(legends).flat().map(([name, colour]) => {
      const li = document.createElement("li");
      const sw = document.createElement("span");
      sw.className = "swatch";
      sw.style.background = colour;  // CSSOM, allowed by the CSP (no style attribute in markup)
      li.append(sw, document.createTextNode(" " + name));
      return li;
    }));
    box.hidden = box.children.length === 0;
  }

  // Active and planned outages (GET /api/v1/public/outages); a 404 (no outages module) is no error.
  const outageLayer = L.geoJSON(null, {
    style: f => ({color: f.properties.kind === "planned" ? "#6c757d" : "#d62828", weight: 2, dashArray: "4 3",
                  fillOpacity: 0.12}),
    onEachFeature: (f, layer) => {
      const p = f.properties;
      layer.bindPopup(`<b>${p.kind === "planned" ? "Планові роботи" : "Аварійне відключення"}</b>: ${esc(p.service_kind_name)}` +
        `<br>${esc(p.provider_name)}${p.expected_end ? "<br>Очікуване відновлення: " + esc(new Date(p.expected_end).toLocaleString("uk-UA")) : ""}` +
        `${p.public_note ? "<br>" + esc(p.public_note) : ""}`);
    },
  });
  const outagesToggle = document.getElementById("outages-toggle");
  fetch("/api/v1/public/outages").then(r => r.ok ? r.json() : null).then(fc => {
    if (!fc || !fc.features) return;
    outageLayer.addData(fc);
    if (!outagesToggle || outagesToggle.checked) outageLayer.addTo(map);
    const count = document.getElementById("outages-count");
    if (count) count.textContent = String(fc.features.length);
  }).catch(() => {});
  if (outagesToggle) outagesToggle.addEventListener("change", () => {
    if (outagesToggle.checked) outageLayer.addTo(map); else map.removeLayer(outageLayer);
  });
})();
