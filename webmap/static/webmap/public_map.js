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

  function clusterIcon(p) {
    const size = Math.round(26 + Math.min(30, Math.log2(p.count + 1) * 4));
    return L.divIcon({
      className: "appeal-cluster-wrap", iconSize: [size, size],
      // Sized by Leaflet through iconSize (the CSP forbids style="" in markup); .appeal-cluster fills it.
      html: `<div class="appeal-cluster" title="відкритих: ${p.open}">` +
            `<span>${p.count}</span></div>`,
    });
  }

  function draw(fc) {
    appeals.clearLayers();
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
        const m = L.marker([lat, lon], {icon: icon, title: `№ ${p.number}`, opacity: 1 - 0.75 * p.age});
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
      if (!box.checked) { if (areaLayers[kind]) map.removeLayer(areaLayers[kind]); return; }
      fetch("/api/v1/public/layers/service_areas?service_kind=" + encodeURIComponent(kind)).then(r => r.json()).then(fc => {
        areaLayers[kind] = L.geoJSON(fc, {
          style: f => ({color: f.properties.colour, weight: 2, fillColor: f.properties.colour, fillOpacity: 0.15}),
          onEachFeature: (f, layer) => layer.bindPopup(`<b>${esc(f.properties.provider)}</b><br>${esc(f.properties.name)}`),
        }).addTo(map);
      });
    });
  }
})();
