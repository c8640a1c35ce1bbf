// Analysts' map: heatmap with a day/week slider (leaflet.heat), incidents (DBSCAN extents),
// choropleths by neighbourhood or service area, and the repeat-address list.
"use strict";
(function () {
  const config = JSON.parse(document.getElementById("map-config").textContent);
  const el = document.getElementById("map");
  const map = L.map(el, {minZoom: 8, maxZoom: 19}).setView([config.centre.lat, config.centre.lon], config.zoom);
  window.ecityMap = map;
  window.ecityBasemap(map, config);
  const today = new Date();
  const iso = d => d.toISOString().slice(0, 10);
  document.getElementById("a-until").value = iso(today);
  document.getElementById("a-since").value = iso(new Date(today.getTime() - 29 * 864e5));
  let overlay = null;
  let heat = null;
  let frames = [];
  let total = [];
  let timer = null;
  const slider = document.getElementById("slider");
  const sliderBox = document.getElementById("slider-box");
  const label = document.getElementById("frame-label");
  const allFrames = document.getElementById("all-frames");
  const summary = document.getElementById("summary");

  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, c => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
  }

  function query() {
    const q = new URLSearchParams();
    for (const id of ["category", "since", "until", "step"]) {
      const v = document.getElementById("a-" + id).value;
      if (v) q.set(id, v);
    }
    return q;
  }

  function clear() {
    if (overlay) { map.removeLayer(overlay); overlay = null; }
    if (heat) { map.removeLayer(heat); heat = null; }
    sliderBox.hidden = true;
  }

  function showFrame() {
    const pts = allFrames.checked ? total : (frames[+slider.value] || {points: []}).points;
    label.textContent = allFrames.checked ? "увесь період" : (frames[+slider.value] || {}).start || "";
    const max = Math.max(1, ...pts.map(p => p[2]));
    heat.setLatLngs(pts.map(p => [p[0], p[1], p[2] / max]));
  }

  function loadHeat(q) {
    return fetch("/api/v1/analytics/heat?" + q).then(r => r.json()).then(d => {
      frames = d.frames; total = d.total;
      heat = L.heatLayer([], {radius: 18, blur: 14, maxZoom: 16}).addTo(map);
      slider.max = Math.max(0, frames.length - 1); slider.value = 0;
      sliderBox.hidden = false;
      showFrame();
      summary.textContent = `Кадрів: ${frames.length}; точок за період: ${total.length}`;
    });
  }

  function loadIncidents(q) {
    return fetch("/api/v1/analytics/incidents?" + q).then(r => r.json()).then(fc => {
      overlay = L.geoJSON(fc, {
        style: {color: "#d62828", weight: 2, fillOpacity: 0.25},
        onEachFeature: (f, layer) => layer.bindPopup(
          `<span class="incident-label">${esc(f.properties.category)}: ${f.properties.count}</span><br>` +
          `${esc(f.properties.start.slice(0, 16))} — ${esc(f.properties.end.slice(0, 16))}`),
      }).addTo(map);
      summary.textContent = `Інцидентів: ${fc.features.length} (із ${fc.appeals} звернень)`;
    });
  }

  function colour(v, max) {
    const t = max ? v / max : 0;
    const r = Math.round(255), g = Math.round(240 - 200 * t), b = Math.round(220 - 200 * t);
    return `rgb(${r},${g},${b})`;
  }

  function loadChoropleth(q, by) {
    q.set("by", by);
    return fetch("/api/v1/analytics/choropleth?" + q).then(r => r.json()).then(fc => {
      const max = Math.max(0, ...fc.features.map(f => f.properties.count));
      overlay = L.geoJSON(fc, {
        style: f => ({color: "#555", weight: 1, fillColor: colour(f.properties.count, max), fillOpacity: 0.7}),
        onEachFeature: (f, layer) => layer.bindPopup(
          `<b>${esc(f.properties.name)}</b><br>звернень: ${f.properties.count}` +
          (f.properties.per_1000 != null ? `<br>на 1000 мешканців: ${f.properties.per_1000}` : "")),
      }).addTo(map);
      summary.textContent = `Областей: ${fc.features.length}`;
    });
  }

  function loadRepeats(q) {
    return fetch("/api/v1/analytics/repeats?" + q).then(r => r.json()).then(d => {
      const body = document.querySelector("#repeats tbody");
      body.innerHTML = d.addresses.map(a =>
        `<tr data-lat="${a.lat}" data-lon="${a.lon}"><td>${esc(a.address)}</td><td>${a.count}</td><td>${esc(a.categories)}</td></tr>`).join("");
      for (const tr of body.querySelectorAll("tr")) {
        tr.addEventListener("click", () => map.setView([+tr.dataset.lat, +tr.dataset.lon], 17));
      }
    });
  }

  function load() {
    clear();
    el.dataset.state = "loading";
    const q = query();
    const mode = document.getElementById("a-mode").value;
    const main = mode === "heat" ? loadHeat(q) : mode === "incidents" ? loadIncidents(q) : loadChoropleth(q, mode);
    return Promise.all([main, loadRepeats(query())]).then(() => { el.dataset.state = "ready"; el.dataset.mode = mode; });
  }

  document.getElementById("a-filters").addEventListener("submit", e => { e.preventDefault(); load(); });
  slider.addEventListener("input", () => { allFrames.checked = false; showFrame(); });
  allFrames.addEventListener("change", showFrame);
  document.getElementById("play").addEventListener("click", () => {
    if (timer) { clearInterval(timer); timer = null; return; }
    allFrames.checked = false;
    timer = setInterval(() => { slider.value = (+slider.value + 1) % (frames.length || 1); showFrame(); }, 700);
  });
  load();
})();
