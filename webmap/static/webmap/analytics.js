// Analysts' map: heatmap with a day/week slider (leaflet.heat), incidents (DBSCAN extents),
// choropleths by neighbourhood or service area, and the repeat-address list.
"use strict";
(function () {
  const config = JSON.parse(document.getElementById("map-config").textContent);
  const el = document.getElementById("map");
  const map = L.map(el, {minZoom: 8, maxZoom: 19}).setView([config.centre.lat, config.centre.lon], config.zoom);
  window.ecityMap = map;
  window.ecityBasemap(map, config);
  // Outages in force and planned (the public layer: no personal data), drawn over every view.
  const outages = L.geoJSON(null, {
    style: f => ({color: f.properties.kind === "planned" ? "#1f5fa8" : "#b3261e", weight: 2, dashArray: "6 4",
                  fillOpacity: 0.12}),
    onEachFeature: (f, layer) => layer.bindTooltip(
      `${f.properties.service_kind_name}${f.properties.provider_name ? " · " + f.properties.provider_name : ""}`),
  }).addTo(map);
  window.ecityOutages = outages;
  fetch("/api/v1/public/outages").then(r => r.ok ? r.json() : {features: []}).then(fc => {
    outages.addData(fc);
    window.ecityOutagesDrawn = fc.features.length;
  }).catch(() => { window.ecityOutagesDrawn = 0; });
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
  const T = config.text;
  const names = config.categoryNames || {};
  // Dates as dd.mm.yyyy HH:MM in Kyiv time, whatever the browser's zone.
  const kyivDateTime = new Intl.DateTimeFormat("uk-UA", {timeZone: "Europe/Kyiv", day: "2-digit", month: "2-digit",
    year: "numeric", hour: "2-digit", minute: "2-digit"});
  const fmtDateTime = s => kyivDateTime.format(new Date(s)).replace(",", "");
  const fmtDay = s => s.slice(8, 10) + "." + s.slice(5, 7) + "." + s.slice(0, 4);
  let heatAppeals = 0;

  // One legend control, its content replaced by the layer shown.
  const legend = L.control({position: "bottomright"});
  legend.onAdd = () => { const d = L.DomUtil.create("div", "map-legend"); d.id = "map-legend"; return d; };
  legend.addTo(map);
  function setLegend(title, rows) {
    const box = document.getElementById("map-legend");
    box.innerHTML = "";
    const h = document.createElement("strong"); h.textContent = title; box.appendChild(h);
    for (const [cls, text] of rows) {
      const row = document.createElement("div");
      const sw = document.createElement("span"); sw.className = "swatch " + cls;
      const label = document.createElement("span"); label.textContent = text;
      row.append(sw, label); box.appendChild(row);
    }
  }

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
    const frame = frames[+slider.value] || {points: [], appeals: 0};
    const pts = allFrames.checked ? total : frame.points;
    label.textContent = allFrames.checked ? "" : (frame.start ? fmtDay(frame.start) : "");
    const max = Math.max(1, ...pts.map(p => p[2]));
    heat.setLatLngs(pts.map(p => [p[0], p[1], p[2] / max]));
    // The counts follow the slider: the frame shown, or the whole period.
    summary.textContent = allFrames.checked
      ? `${T.wholePeriod}: ${heatAppeals} ${T.appeals}, ${total.length} ${T.buildings} · ${T.frames}: ${frames.length}`
      : `${T.frame} ${fmtDay(frame.start || "")}: ${frame.appeals || 0} ${T.appeals}, ${pts.length} ${T.buildings}`;
    summary.dataset.appeals = allFrames.checked ? heatAppeals : (frame.appeals || 0);
  }

  function loadHeat(q) {
    return fetch("/api/v1/analytics/heat?" + q).then(r => r.json()).then(d => {
      frames = d.frames; total = d.total; heatAppeals = d.appeals;
      heat = L.heatLayer([], {radius: 18, blur: 14, maxZoom: 16}).addTo(map);
      slider.max = Math.max(0, frames.length - 1); slider.value = 0;
      sliderBox.hidden = false;
      setLegend(T.legendHeat, [["heat-low", T.legendLow], ["heat-mid", ""], ["heat-high", T.legendHigh]]);
      showFrame();
    });
  }

  function loadIncidents(q) {
    return fetch("/api/v1/analytics/incidents?" + q).then(r => r.json()).then(fc => {
      overlay = L.geoJSON(fc, {
        style: {color: "#d62828", weight: 2, fillOpacity: 0.25},
        onEachFeature: (f, layer) => layer.bindPopup(
          `<span class="incident-label">${esc(names[f.properties.category] || f.properties.category)}: ` +
          `${f.properties.count} ${T.appeals}</span><br>` +
          `${esc(fmtDateTime(f.properties.start))} — ${esc(fmtDateTime(f.properties.end))}`),
      }).addTo(map);
      setLegend(T.incidents, [["incident", T.legendIncident]]);
      summary.textContent = `${T.incidents}: ${fc.features.length} (${T.ofAppeals}: ${fc.appeals})`;
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
          `<b>${esc(f.properties.name)}</b><br>${T.appeals}: ${f.properties.count}` +
          (f.properties.per_1000 != null ? `<br>${T.per1000}: ${f.properties.per_1000}` : "")),
      }).addTo(map);
      setLegend(T.legendChoropleth, [["ramp-0", "0"], ["ramp-1", String(Math.round(max / 3))],
                                     ["ramp-2", String(Math.round(2 * max / 3))], ["ramp-3", String(max)]]);
      summary.textContent = `${T.areas}: ${fc.features.length}`;
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

  // A small SVG line per category (weekly counts over the period), biggest categories first.
  const SVG = "http://www.w3.org/2000/svg";
  function loadTrend(q) {
    q.set("step", "week");
    return fetch("/api/v1/analytics/trend?" + q).then(r => r.json()).then(d => {
      const box = document.getElementById("trend");
      box.innerHTML = "";
      const peak = Math.max(1, ...d.categories.flatMap(c => c.counts));
      for (const c of d.categories.slice(0, 8)) {
        const row = document.createElement("div"); row.className = "trend-row"; row.dataset.code = c.code;
        const name = document.createElement("span"); name.className = "trend-name"; name.textContent = `${c.name} (${c.total})`;
        const svg = document.createElementNS(SVG, "svg");
        svg.setAttribute("viewBox", "0 0 100 24"); svg.setAttribute("class", "sparkline");
        svg.setAttribute("role", "img");
        svg.setAttribute("aria-label", `${c.name}: ` + c.counts.map((n, i) => `${T.weekOf} ${fmtDay(d.starts[i])}: ${n}`).join("; "));
        const step = c.counts.length > 1 ? 100 / (c.counts.length - 1) : 100;
        const line = document.createElementNS(SVG, "polyline");
        line.setAttribute("points", c.counts.map((n, i) => `${(i * step).toFixed(1)},${(22 - 20 * n / peak).toFixed(1)}`).join(" "));
        line.setAttribute("fill", "none"); line.setAttribute("stroke", "#1d3557"); line.setAttribute("stroke-width", "1.5");
        svg.appendChild(line); row.append(name, svg); box.appendChild(row);
      }
    });
  }

  function load() {
    clear();
    el.dataset.state = "loading";
    const q = query();
    const mode = document.getElementById("a-mode").value;
    const main = mode === "heat" ? loadHeat(q) : mode === "incidents" ? loadIncidents(q) : loadChoropleth(q, mode);
    return Promise.all([main, loadRepeats(query()), loadTrend(query())])
      .then(() => { el.dataset.state = "ready"; el.dataset.mode = mode; })
      .catch(err => { el.dataset.state = "error"; el.dataset.error = String(err); });
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
