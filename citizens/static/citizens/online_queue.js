// /dispatch/online/: correcting an online appeal's address. Each item's picker finds the building by the
// address typed (our geocoder: a list to choose from) or by a click on a map of our own basemap (reverse
// geocoding to the building under the click). The chosen building's id goes into the form's hidden
// "building" field; without this script the typed address is geocoded by the server instead.
"use strict";
(function () {
  const config = JSON.parse(document.getElementById("map-config").textContent);

  function setup(picker) {
    const input = picker.querySelector(".picker-address");
    const hidden = picker.querySelector("input[name=building]");
    const picked = picker.querySelector(".picked");
    const options = picker.querySelector(".picker-options");
    const mapEl = picker.querySelector(".picker-map");
    let map = null, marker = null;

    function choose(hit) {
      hidden.value = hit.building_id;
      input.value = hit.address;
      picked.textContent = "Будинок: " + hit.address;
      picker.dataset.building = String(hit.building_id);
      options.replaceChildren();
      if (map && hit.lon != null) {
        if (marker) marker.setLatLng([hit.lat, hit.lon]); else marker = L.marker([hit.lat, hit.lon]).addTo(map);
        map.setView([hit.lat, hit.lon], Math.max(map.getZoom(), 17));
      }
    }

    function geocode() {
      const q = input.value.trim();
      hidden.value = "";
      delete picker.dataset.building;
      if (!q) { picked.textContent = ""; options.replaceChildren(); return; }
      fetch(`/api/v1/geocode?q=${encodeURIComponent(q)}&limit=5`).then(r => r.ok ? r.json() : {results: []})
        .then(data => {
          const hits = (data.results || []).filter(h => h.building_id);
          if (!hits.length) { picked.textContent = "Адресу не знайдено: уточніть її або оберіть на мапі"; return; }
          if (hits.length === 1 && hits[0].match !== "ambiguous") { choose(hits[0]); return; }
          picked.textContent = "Оберіть будинок:";
          options.replaceChildren(...hits.map(h => {
            const li = document.createElement("li");
            const b = document.createElement("button");
            b.type = "button"; b.className = "picker-option"; b.textContent = h.address;
            b.addEventListener("click", () => choose(h));
            li.appendChild(b);
            return li;
          }));
        });
    }
    input.addEventListener("change", geocode);
    input.addEventListener("keydown", e => { if (e.key === "Enter") { e.preventDefault(); geocode(); } });

    picker.querySelector(".pick-on-map").addEventListener("click", () => {
      mapEl.hidden = !mapEl.hidden;
      if (mapEl.hidden || map) { if (map) map.invalidateSize(); return; }
      const lon = parseFloat(picker.dataset.lon), lat = parseFloat(picker.dataset.lat);
      const here = Number.isFinite(lon) && Number.isFinite(lat);
      map = L.map(mapEl, {zoomControl: true, maxZoom: 19})
        .setView(here ? [lat, lon] : [config.centre.lat, config.centre.lon], here ? 17 : config.zoom);
      if (window.ecityBasemap) window.ecityBasemap(map, config);
      if (here) marker = L.marker([lat, lon]).addTo(map);
      map.on("click", e => {
        const {lng, lat: la} = e.latlng;
        fetch(`/api/v1/reverse?lon=${lng.toFixed(6)}&lat=${la.toFixed(6)}&max_distance_m=25`)
          .then(r => r.ok ? r.json() : {results: []})
          .then(data => {
            const hit = (data.results || [])[0];
            if (hit) choose(hit);
            else { hidden.value = ""; picked.textContent = "Тут немає будинку: клацніть по будинку"; }
          });
      });
      mapEl.ecityMap = map;  // for tests, as window.ecityMap on the public map
      mapEl.dataset.state = "ready";
    });
  }

  document.querySelectorAll(".place-picker").forEach(setup);
})();
