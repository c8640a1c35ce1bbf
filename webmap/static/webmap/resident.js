// The resident's tools on the public map: address search (our geocoder, any spelling), the
// "Повідомити про проблему" link carrying the searched building or the map's centre to /report/,
// and the bottom sheet on phones (the panel's filters and legend fold away).
"use strict";
(function () {
  const map = window.ecityMap;
  const link = document.getElementById("report-link");
  const form = document.getElementById("address-search");
  const out = document.getElementById("address-result");
  let chosen = null;
  let marker = null;

  function updateLink() {
    if (!link) return;
    const q = new URLSearchParams();
    if (chosen) {
      q.set("building", chosen.building_id); q.set("lon", chosen.lon); q.set("lat", chosen.lat);
      q.set("address", chosen.address);
    } else if (map && map.getZoom() >= 16) {
      const c = map.getCenter();
      q.set("lon", c.lng.toFixed(6)); q.set("lat", c.lat.toFixed(6));
    }
    link.href = "/report/" + (q.toString() ? "?" + q : "");
  }

  if (map) map.on("moveend", () => { if (!chosen) updateLink(); });
  if (form) form.addEventListener("submit", e => {
    e.preventDefault();
    const q = document.getElementById("address-q").value.trim();
    if (!q) return;
    fetch(`/api/v1/geocode?q=${encodeURIComponent(q)}&limit=1`).then(r => r.ok ? r.json() : {results: []}).then(data => {
      const hit = (data.results || [])[0];
      if (hit && hit.lon != null) {
        chosen = hit.building_id ? hit : null;
        out.textContent = hit.address;
        if (map) {
          map.setView([hit.lat, hit.lon], 17);
          if (marker) marker.setLatLng([hit.lat, hit.lon]); else marker = L.marker([hit.lat, hit.lon]).addTo(map);
        }
      } else {
        chosen = null;
        out.textContent = "Адресу не знайдено";
      }
      updateLink();
    });
  });

  const toggle = document.getElementById("sheet-toggle");
  const more = document.getElementById("panel-more");
  if (toggle && more) toggle.addEventListener("click", () => {
    const open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", String(open));
    more.classList.toggle("open", open);
    if (map) setTimeout(() => map.invalidateSize(), 0);
  });
})();
