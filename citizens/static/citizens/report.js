// /report/: the place step (address search through our geocoder, or a pin reverse-geocoded to the building)
// and "already reported here" (open appeals within 150 m and active outages). The form works without it.
"use strict";
(function () {
  const form = document.getElementById("report-form");
  if (!form) return;
  const config = JSON.parse(document.getElementById("map-config").textContent);
  const $ = id => document.getElementById(id);
  const field = name => form.elements[name];
  const found = $("place-found");
  let marker = null;

  const map = L.map("report-map", {zoomControl: true}).setView([config.centre.lat, config.centre.lon], config.zoom);
  if (window.ecityBasemap) window.ecityBasemap(map, config);

  function setPoint(lon, lat, zoom) {
    field("lon").value = lon.toFixed(6);
    field("lat").value = lat.toFixed(6);
    if (marker) marker.setLatLng([lat, lon]); else marker = L.marker([lat, lon], {keyboard: true}).addTo(map);
    if (zoom) map.setView([lat, lon], Math.max(map.getZoom(), 17));
  }

  function showPlace(text) { found.textContent = text; }

  function reverse(lon, lat) {
    const url = `/api/v1/reverse?lon=${lon}&lat=${lat}&max_distance_m=25`;
    return fetch(url).then(r => r.ok ? r.json() : {results: []}).then(data => {
      const hit = (data.results || [])[0];
      if (hit) {
        field("building").value = hit.building_id;
        field("address").value = hit.address;
        showPlace("Будинок: " + hit.address);
      } else {
        field("building").value = "";
        showPlace("Точка на карті (поруч немає будинку)");
      }
      nearby();
    });
  }

  map.on("click", e => {
    setPoint(e.latlng.lng, e.latlng.lat, false);
    reverse(e.latlng.lng, e.latlng.lat);
  });

  let timer = null;
  const input = field("address");
  input.addEventListener("input", () => {
    clearTimeout(timer);
    const q = input.value.trim();
    if (q.length < 3) return;
    timer = setTimeout(() => {
      fetch(`/api/v1/suggest?q=${encodeURIComponent(q)}&limit=8`).then(r => r.ok ? r.json() : {results: []}).then(data => {
        const list = $("address-options");
        list.replaceChildren(...(data.results || []).map(s => {
          const o = document.createElement("option"); o.value = s.address; return o;
        }));
      });
    }, 250);
  });
  function geocode() {
    const q = input.value.trim();
    if (!q) return;
    fetch(`/api/v1/geocode?q=${encodeURIComponent(q)}&limit=1`).then(r => r.ok ? r.json() : {results: []}).then(data => {
      const hit = (data.results || [])[0];
      if (hit && hit.building_id && hit.lon != null) {
        field("building").value = hit.building_id;
        setPoint(hit.lon, hit.lat, true);
        showPlace("Будинок: " + hit.address);
        nearby();
      } else {
        field("building").value = "";
        showPlace("Адресу не знайдено: уточніть її або поставте точку на карті");
      }
    });
  }
  input.addEventListener("change", geocode);
  input.addEventListener("keydown", e => { if (e.key === "Enter") { e.preventDefault(); geocode(); } });

  function chosenCategory() {
    const c = form.querySelector("input[name=category]:checked");
    return c ? c.value : "";
  }
  form.querySelectorAll("input[name=category]").forEach(r => r.addEventListener("change", nearby));

  function nearby() {
    const cat = chosenCategory();
    const b = field("building").value, lon = field("lon").value, lat = field("lat").value;
    if (!cat || !(b || (lon && lat))) return;
    const q = new URLSearchParams({category: cat});
    if (b) q.set("building", b); else { q.set("lon", lon); q.set("lat", lat); }
    fetch("/report/nearby.json?" + q).then(r => r.ok ? r.json() : null).then(data => {
      if (!data) return;
      if (!data.inside) showPlace("Ця точка поза межами Краматорської громади");
      const list = $("nearby-list");
      list.replaceChildren(...data.appeals.map(a => {
        const li = document.createElement("li");
        li.textContent = `${a.number} · ${a.category} · ${a.status_name} · ${a.address || ""} (${Math.round(a.distance_m)} м) `;
        const btn = document.createElement("button");
        btn.type = "button"; btn.className = "join"; btn.dataset.number = a.number;
        btn.textContent = "Мене це теж стосується";
        btn.addEventListener("click", () => {
          field("join").value = a.number;
          const chosen = $("join-chosen");
          chosen.hidden = false;
          chosen.textContent = `Ви приєднаєтеся до звернення ${a.number}. Натисніть «Надіслати».`;
          $("submit-report").textContent = "Приєднатися до " + a.number;
        });
        li.appendChild(btn);
        return li;
      }));
      $("nearby").hidden = data.appeals.length === 0;
      const ol = $("outages-list");
      ol.replaceChildren(...data.outages.map(o => {
        const li = document.createElement("li");
        li.textContent = `${o.kind}${o.provider ? " · " + o.provider : ""}${o.expected_end ? " · до " + new Date(o.expected_end).toLocaleString("uk-UA") : ""}${o.public_note ? " · " + o.public_note : ""}`;
        return li;
      }));
      $("outages").hidden = data.outages.length === 0;
    });
  }

  if (field("lon").value && field("lat").value) {
    const lon = parseFloat(field("lon").value), lat = parseFloat(field("lat").value);
    setPoint(lon, lat, true);
    if (!field("building").value) reverse(lon, lat); else nearby();
  }
})();
