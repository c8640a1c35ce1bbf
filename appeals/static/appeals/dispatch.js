/* The dispatcher's screen: phone history, address suggest, building on the map, category preview, duplicates.
 *
 * Keyboard-first: Enter in a one-line field moves to the next field (it never submits by accident),
 * arrows + Enter pick an address suggestion, Ctrl+Enter saves, Esc closes the suggestion list.
 * Everything it fetches is on our own server; the map draws our basemap, never online tiles
 * unless the settings name a tile server.
 */
(function () {
  "use strict";

  var cfg = JSON.parse(document.getElementById("dispatch-config").textContent);
  var form = document.getElementById("intake-form");
  var phone = document.getElementById("id_phone");
  var address = document.getElementById("id_address");
  var buildingId = document.getElementById("id_building");
  var category = document.getElementById("id_category");
  var linkTo = document.getElementById("id_link_to");
  var list = document.getElementById("address-suggestions");
  var historyBox = document.getElementById("phone-history");
  var buildingBox = document.getElementById("building-info");
  var categoryBox = document.getElementById("category-info");
  var duplicatesBox = document.getElementById("duplicates");
  var linkBanner = document.getElementById("link-banner");
  var saveButton = document.getElementById("save-button");
  var outageBox = document.getElementById("outage-notice");
  var outageField = document.getElementById("id_outage");
  var subscribeBox = document.getElementById("id_subscribe");
  var flatField = document.getElementById("id_flat");
  var askBox = document.getElementById("address-ask");
  var typed = {flat: "", house_range: null, dash_pair: null};

  function debounce(fn, ms) {
    var t = null;
    return function () {
      var args = arguments, self = this;
      clearTimeout(t);
      t = setTimeout(function () { fn.apply(self, args); }, ms);
    };
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "className") node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return node;
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  // Only the newest answer of each kind is drawn: a slow old response must not overwrite a newer one.
  var seq = {};
  function getJSON(kind, url) {
    seq[kind] = (seq[kind] || 0) + 1;
    var mine = seq[kind];
    return fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (data) { return mine === seq[kind] ? data : Promise.reject("stale"); });
  }

  function qs(params) {
    return Object.keys(params).filter(function (k) { return params[k] !== "" && params[k] != null; })
      .map(function (k) { return encodeURIComponent(k) + "=" + encodeURIComponent(params[k]); }).join("&");
  }

  function appealLink(a) {
    var li = el("li", {}, [
      el("a", {href: a.url, target: "_blank", text: a.number}), " ",
      el("span", {className: "badge status-" + a.status, text: a.status_label}), " ",
      a.category + (a.address ? " · " + a.address : "") + (a.created ? " · " + a.created : ""),
      a.overdue ? el("span", {className: "badge overdue", text: cfg.text.overdue}) : null,
      a.distance_m != null ? el("span", {className: "muted", text: " · " + a.distance_m + " м"}) : null,
    ]);
    li.dataset.number = a.number;
    return li;
  }

  // ---- Map ----------------------------------------------------------------------------------------
  var map = L.map("dispatch-map", {zoomControl: true, attributionControl: true}).setView([cfg.centre.lat, cfg.centre.lon], 13);
  if (cfg.tile_url) L.tileLayer(cfg.tile_url, {maxZoom: 19}).addTo(map);
  map.attributionControl.addAttribution(cfg.attribution);
  var basemap = L.geoJSON(null, {
    style: function (f) {
      var k = f.properties.layer;
      if (k === "street") return {color: "#b9b2a6", weight: 2, fill: false};
      if (k === "boundary") return {color: "#6f6457", weight: 1.5, fill: false, dashArray: "4 3"};
      return {color: "#9a8f80", weight: 1, fillColor: "#f0ece2", fillOpacity: 0.6};
    },
  }).addTo(map);
  fetch(cfg.urls.basemap, {credentials: "same-origin"}).then(function (r) { return r.json(); })
    .then(function (fc) { basemap.addData(fc); window.ecityBasemapLoaded = fc.features.length; });
  var buildingLayer = L.geoJSON(null, {style: {color: "#b3261e", weight: 2, fillColor: "#f28b82", fillOpacity: 0.7}}).addTo(map);
  var appealsLayer = L.layerGroup().addTo(map);
  // Open outages (confirmed red, suspected orange, dashed), under the building and the appeals.
  var outagesLayer = L.geoJSON(null, {
    style: function (f) {
      var suspected = f.properties.status === "suspected";
      return {color: suspected ? "#c77700" : "#b3261e", weight: 2, dashArray: "6 4", fillColor: suspected ? "#f6c343" : "#f28b82", fillOpacity: 0.15};
    },
    onEachFeature: function (f, layer) { layer.bindTooltip(f.properties.notice); },
  }).addTo(map);
  fetch(cfg.urls.outages, {credentials: "same-origin", headers: {"Accept": "application/json"}})
    .then(function (r) { return r.ok ? r.json() : []; })
    .then(function (list) {
      list.forEach(function (o) {
        outagesLayer.addData({type: "Feature", geometry: o.area, properties: {id: o.id, status: o.status, notice: o.notice}});
      });
      window.ecityOutagesDrawn = list.length;
    }).catch(function () {});
  window.ecityDispatchMap = {map: map, building: buildingLayer, appeals: appealsLayer, basemap: basemap, outages: outagesLayer};

  // ---- Phone: earlier calls and appeals ----------------------------------------------------------
  var loadPhone = debounce(function () {
    var value = phone.value.replace(/\D/g, "");
    if (value.length < 5) { clear(historyBox); return; }
    getJSON("phone", cfg.urls.phone + "?" + qs({phone: phone.value})).then(function (data) {
      clear(historyBox);
      if (!data.calls.length && !data.appeals.length) {
        historyBox.appendChild(el("p", {className: "muted", text: cfg.text.no_history}));
        return;
      }
      if (data.appeals.length) {
        historyBox.appendChild(el("h3", {text: cfg.text.earlier_appeals}));
        var ul = el("ul");
        data.appeals.forEach(function (a) {
          var li = appealLink(a);
          // "What happened to my appeal?": one key records the call as a status inquiry about it.
          var ask = el("button", {type: "button", className: "status-inquiry", text: cfg.text.status_inquiry});
          ask.addEventListener("click", function () { markInquiry(a.number); });
          li.appendChild(document.createTextNode(" "));
          li.appendChild(ask);
          ul.appendChild(li);
        });
        historyBox.appendChild(ul);
      }
      if (data.calls.length) {
        historyBox.appendChild(el("h3", {text: cfg.text.earlier_calls}));
        var cl = el("ul");
        data.calls.forEach(function (c) {
          cl.appendChild(el("li", {}, [c.at + " · " + c.outcome_label + (c.appeal_number ? " · " + c.appeal_number : "")]));
        });
        historyBox.appendChild(cl);
      }
    }).catch(function () {});
  }, 250);
  phone.addEventListener("input", loadPhone);
  if (phone.value) loadPhone();

  function markInquiry(number) {
    var radio = form.querySelector("input[name=outcome][value=" + cfg.outcome_status + "]");
    if (radio) { radio.checked = true; radio.dispatchEvent(new Event("change")); }
    linkTo.value = number;
    document.getElementById("id_note").focus();
  }

  // ---- Address suggest (debounced; arrows + Enter) ------------------------------------------------
  var items = [];
  var active = -1;

  function closeList() { clear(list); list.hidden = true; items = []; active = -1; address.setAttribute("aria-expanded", "false"); }

  function highlight(i) {
    active = i;
    Array.prototype.forEach.call(list.children, function (li, j) { li.setAttribute("aria-selected", j === i ? "true" : "false"); });
    if (i >= 0 && list.children[i]) list.children[i].scrollIntoView({block: "nearest"});
  }

  // What was typed beyond the building is never dropped: the flat goes to its field; a range of houses
  // or a dashed pair ("7-1": corner 7/1, or house 7 flat 1?) is asked about before a building is taken.
  function ask(question, choices) {
    clear(askBox);
    askBox.appendChild(el("p", {className: "ask-question", text: question}));
    choices.forEach(function (c, i) {
      var b = el("button", {type: "button", className: "ask-choice", text: c.label});
      b.addEventListener("click", function () { clear(askBox); c.run(); });
      askBox.appendChild(b);
      if (i === 0) setTimeout(function () { b.focus(); }, 0);
    });
  }

  function retype(text) { address.value = text; address.focus(); suggest(); }

  // The questions, from the text as typed (a range or dashed pair has no building of its own to suggest).
  function askFromTyped(q) {
    var m = q.match(/(\d{1,4})\s*-\s*(\d{1,4})(?!.*\d)/);
    if (!m) return false;
    var before = q.slice(0, m.index), after = q.slice(m.index + m[0].length);
    if (typed.house_range) {
      var lo = typed.house_range[0], hi = typed.house_range[1], options = [];
      for (var n = lo; n <= hi && options.length < 6; n += (hi - lo) % 2 === 0 ? 2 : 1) {
        options.push({label: before + n + after, run: retype.bind(null, before + n + after)});
      }
      ask(cfg.text.ask_range.replace("%s", lo + "–" + hi), options);
      return true;
    }
    if (typed.dash_pair) {
      var house = typed.dash_pair[0], rest = typed.dash_pair[1];
      ask(cfg.text.ask_dash.replace("%s", house + "-" + rest), [
        {label: before + house + "/" + rest + after, run: retype.bind(null, before + house + "/" + rest + after)},
        {label: before + house + after + ", " + cfg.text.flat_short + " " + rest, run: function () {
          if (flatField) flatField.value = rest;
          retype(before + house + after);
        }},
      ]);
      return true;
    }
    return false;
  }

  function pick(i) {
    var s = items[i];
    if (!s) return;
    var street = s.address.replace(/,?\s*[^,\s]+$/, "");
    if (typed.house_range) {
      var lo = typed.house_range[0], hi = typed.house_range[1], options = [];
      for (var n = lo; n <= hi && options.length < 6; n += (hi - lo) % 2 === 0 ? 2 : 1) {
        options.push({label: street + ", " + n, run: retype.bind(null, street + ", " + n)});
      }
      closeList();
      ask(cfg.text.ask_range.replace("%s", lo + "–" + hi), options);
      return;
    }
    if (typed.dash_pair) {
      var house = typed.dash_pair[0], rest = typed.dash_pair[1];
      closeList();
      ask(cfg.text.ask_dash.replace("%s", house + "-" + rest), [
        {label: street + ", " + house + "/" + rest, run: retype.bind(null, street + ", " + house + "/" + rest)},
        {label: street + ", " + house + ", " + cfg.text.flat_short + " " + rest, run: function () {
          if (flatField) flatField.value = rest;
          retype(street + ", " + house);
        }},
      ]);
      return;
    }
    address.value = s.address;
    buildingId.value = s.building_id;
    if (typed.flat && flatField && !flatField.value) {
      flatField.value = typed.flat;
      clear(askBox);
      askBox.appendChild(el("p", {className: "muted", id: "flat-moved", text: cfg.text.flat_moved.replace("%s", typed.flat)}));
    }
    closeList();
    loadBuilding(s.building_id);
    category.focus();
  }

  function normaliseSuggestions(data) {
    var raw = Array.isArray(data) ? data : (data.results || data.suggestions || []);
    return raw.map(function (s) {
      return {
        building_id: s.building_id != null ? s.building_id : s.id,
        address: s.address || s.label || s.text || "",
        hint: s.neighbourhood || "",
      };
    }).filter(function (s) { return s.building_id != null && s.address; });
  }

  var suggest = debounce(function () {
    var q = address.value.trim();
    if (q.length < 2) { closeList(); return; }
    getJSON("suggest", cfg.urls.suggest + "?" + qs({q: q})).then(function (data) {
      typed = data.typed || {flat: "", house_range: null, dash_pair: null};
      list.setAttribute("data-query", q);  // which text these suggestions answer (tests wait on it)
      if (!normaliseSuggestions(data).length && (typed.house_range || typed.dash_pair)) askFromTyped(q);
      items = normaliseSuggestions(data).slice(0, 10);
      clear(list);
      items.forEach(function (s, i) {
        var li = el("li", {role: "option", id: "sugg-" + i, "aria-selected": "false"}, [s.address, s.hint ? el("span", {className: "hint", text: s.hint}) : null]);
        li.addEventListener("mousedown", function (e) { e.preventDefault(); pick(i); });
        list.appendChild(li);
      });
      list.hidden = items.length === 0;
      address.setAttribute("aria-expanded", items.length ? "true" : "false");
      highlight(items.length ? 0 : -1);
    }).catch(function () {});
  }, 150);

  address.addEventListener("input", function () {
    // A typed address no longer matches the building picked before.
    buildingId.value = "";
    clear(outageBox);
    outageField.value = "";
    suggest();
  });
  address.addEventListener("keydown", function (e) {
    if (list.hidden || !items.length) return;
    if (e.key === "ArrowDown") { e.preventDefault(); highlight(Math.min(active + 1, items.length - 1)); }
    else if (e.key === "ArrowUp") { e.preventDefault(); highlight(Math.max(active - 1, 0)); }
    else if (e.key === "Enter" && !e.ctrlKey) { e.preventDefault(); e.stopPropagation(); pick(active < 0 ? 0 : active); }
    else if (e.key === "Escape") { e.preventDefault(); closeList(); }
  });
  address.addEventListener("blur", function () { setTimeout(closeList, 150); });

  // ---- Known outage at the address: shown first; one key links the call ---------------------------
  function linkOutage(id, subscribe) {
    outageField.value = id;
    if (subscribeBox) subscribeBox.checked = !!subscribe;
    var radio = form.querySelector("input[name=outcome][value=" + cfg.outcome_outage + "]");
    if (radio) { radio.checked = true; radio.dispatchEvent(new Event("change")); }
    if (form.requestSubmit) form.requestSubmit(saveButton); else saveButton.click();
  }

  function showOutages(list) {
    clear(outageBox);
    outageField.value = "";
    window.ecityOutageShown = null;
    if (!list || !list.length) return null;
    list.forEach(function (o) {
      var link = el("button", {type: "button", className: "primary link-outage", "data-outage": o.id,
                               text: cfg.text.outage_link.replace("%s", o.id)});
      link.addEventListener("click", function () { linkOutage(o.id, false); });
      var sub = el("button", {type: "button", className: "link-outage-subscribe", "data-outage": o.id,
                              text: "… " + cfg.text.outage_subscribe});
      sub.addEventListener("click", function () { linkOutage(o.id, true); });
      outageBox.appendChild(el("div", {className: "outage", "data-outage": o.id}, [
        el("p", {className: "notice-text", text: o.notice}),
        o.public_note ? el("p", {text: o.public_note}) : null,
        el("p", {className: "muted", text: o.affected_buildings + " " + cfg.text.outage_affected}),
        el("p", {}, [link, sub]),
      ]));
    });
    // A new appeal filed anyway (the dispatcher insists) becomes part of the first outage.
    outageField.value = list[0].id;
    window.ecityOutageShown = list[0].id;
    return outageBox.querySelector("button.link-outage");
  }

  // ---- Building: providers, open appeals, recent appeals nearby ----------------------------------
  function loadBuilding(id) {
    if (!id) return;
    getJSON("building", cfg.urls.building + "?" + qs({building: id})).then(function (data) {
      var firstOutage = showOutages(data.outages);
      clear(buildingBox);
      var b = data.building;
      buildingBox.appendChild(el("h3", {id: "building-address", text: b.address}));
      var facts = [];
      if (b.neighbourhood) facts.push(b.neighbourhood);
      if (b.kind_label) facts.push(b.kind_label);
      if (b.floors) facts.push(b.floors + " " + cfg.text.floors);
      if (b.flats) facts.push(b.flats + " " + cfg.text.flats);
      if (facts.length) buildingBox.appendChild(el("p", {className: "muted", text: facts.join(" · ")}));
      // Open until a category is chosen; then it folds away (the routing result names the category's providers).
      var providersBox = el("details", {id: "building-providers-box", className: "providers-box", open: "open"});
      providersBox.appendChild(el("summary", {text: cfg.text.all_providers.replace("%s", data.services.length)}));
      var table = el("table", {className: "list", id: "building-providers"});
      table.appendChild(el("tr", {}, [el("th", {text: cfg.text.service}), el("th", {text: cfg.text.provider}), el("th", {text: cfg.text.phones})]));
      var gaps = [];
      data.services.forEach(function (s) {
        var p = s.provider;
        if (!p && !s.candidates.length) { gaps.push(s.service_kind_name); return; }
        var who = p ? p.name : s.candidates.map(function (c) { return c.name; }).join(" / ");
        var phones = p ? [p.emergency_phone].concat(p.phones || []).filter(function (x, i, a) { return x && a.indexOf(x) === i; }).join(", ") +
          (p.is_24_7 ? " · 24/7" : (p.hours ? " · " + p.hours : "")) : "";
        table.appendChild(el("tr", {"data-service-kind": s.service_kind}, [
          el("td", {text: s.service_kind_name}),
          el("td", {title: s.reason}, [who, s.outcome !== "assigned" ? el("span", {className: "badge overdue", text: s.outcome_label}) : null]),
          el("td", {text: phones}),
        ]));
      });
      providersBox.appendChild(table);
      buildingBox.appendChild(providersBox);
      if (gaps.length) buildingBox.appendChild(el("p", {className: "muted", id: "building-gaps", text: cfg.text.no_provider_for + " " + gaps.join(", ")}));
      if (data.open_appeals.length) {
        buildingBox.appendChild(el("h3", {text: cfg.text.open_here}));
        var ul = el("ul", {id: "building-open-appeals"});
        data.open_appeals.forEach(function (a) { ul.appendChild(appealLink(a)); });
        buildingBox.appendChild(ul);
      }
      if (data.nearby.length) {
        buildingBox.appendChild(el("h3", {text: cfg.text.nearby}));
        var nl = el("ul", {id: "building-nearby-appeals"});
        data.nearby.forEach(function (a) { nl.appendChild(appealLink(a)); });
        buildingBox.appendChild(nl);
      }
      buildingLayer.clearLayers();
      appealsLayer.clearLayers();
      buildingLayer.addData(b.geom);
      data.nearby.concat(data.open_appeals).forEach(function (a) {
        if (a.lon == null) return;
        L.circleMarker([a.lat, a.lon], {radius: 6, color: "#1f3a5a", fillColor: a.overdue ? "#b3261e" : "#f6c343", fillOpacity: 0.9})
          .bindTooltip(a.number + " · " + a.category).addTo(appealsLayer);
      });
      map.fitBounds(buildingLayer.getBounds(), {maxZoom: 17});
      window.ecityBuildingShown = b.id;
      // The known outage comes before anything else: Enter on it links the call.
      if (firstOutage) firstOutage.focus();
      preview();
    }).catch(function () {});
  }
  if (buildingId.value) loadBuilding(buildingId.value);

  // ---- Category: who gets it, the deadline, and duplicates (offered first) -----------------------
  function setLink(number) {
    linkTo.value = number || "";
    clear(linkBanner);
    if (number) {
      var cancel = el("button", {type: "button", className: "linklike-dark", text: cfg.text.cancel_link});
      cancel.addEventListener("click", function () { setLink(""); category.focus(); });
      linkBanner.appendChild(el("p", {}, [el("strong", {text: cfg.text.will_link.replace("%s", number)}), " ", cancel]));
      saveButton.textContent = cfg.text.save_link.replace("%s", number);
      var newOutcome = form.querySelector("input[name=outcome][value=" + cfg.outcome_linked + "]");
      if (newOutcome) newOutcome.checked = true;
    } else {
      saveButton.textContent = outageField.value ? cfg.text.outage_insist : cfg.text.save;
      var def = form.querySelector("input[name=outcome][value=" + cfg.outcome_new + "]");
      if (def) def.checked = true;
    }
  }

  var preview = debounce(function () {
    clear(categoryBox);
    clear(duplicatesBox);
    if (!category.value || !buildingId.value) return;
    getJSON("preview", cfg.urls.preview + "?" + qs({building: buildingId.value, category: category.value})).then(function (data) {
      clear(categoryBox);
      clear(duplicatesBox);
      if (data.duplicates.length) {
        duplicatesBox.appendChild(el("strong", {text: cfg.text.duplicate_title}));
        data.duplicates.forEach(function (d, i) {
          var b = el("button", {type: "button", className: "link-duplicate", "data-number": d.number},
            [cfg.text.add_to.replace("%s", d.number), el("br"), el("span", {className: "muted", text: d.category + " · " + d.address + " · " + d.created + " · " + d.status_label})]);
          b.addEventListener("click", function () { setLink(d.number); document.getElementById("id_description").focus(); });
          duplicatesBox.appendChild(b);
          if (i === 0) b.setAttribute("accesskey", "l");
        });
      }
      // The building's providers table shows the category's services first.
      var table = document.getElementById("building-providers");
      if (table) {
        document.getElementById("building-providers-box").open = false;
        var kinds = data.routes.map(function (r) { return r.service_kind; });
        var rows = Array.prototype.slice.call(table.querySelectorAll("tr[data-service-kind]"));
        rows.forEach(function (tr) { tr.classList.toggle("for-category", kinds.indexOf(tr.getAttribute("data-service-kind")) >= 0); });
        rows.filter(function (tr) { return tr.classList.contains("for-category"); }).reverse().forEach(function (tr) {
          table.insertBefore(tr, table.querySelector("tr[data-service-kind]"));
        });
      }
      var ul = el("ul", {id: "category-routes"});
      data.routes.forEach(function (r) {
        ul.appendChild(el("li", {title: r.reason}, [r.service_kind_name + ": ", el("strong", {text: r.provider ? r.provider.name : cfg.text.nobody}),
          r.outcome !== "assigned" ? el("span", {className: "badge overdue", text: r.outcome_label}) : null]));
      });
      categoryBox.appendChild(el("p", {}, [cfg.text.goes_to]));
      categoryBox.appendChild(ul);
      categoryBox.appendChild(el("p", {id: "category-deadline"}, [cfg.text.deadline + ": ", el("strong", {text: data.deadline_label}),
        data.is_emergency ? el("span", {className: "badge overdue", text: cfg.text.emergency}) : null]));
      // The likely duplicate is offered first: focus goes to it so Enter links the call.
      var first = duplicatesBox.querySelector("button");
      if (first && !linkTo.value && document.activeElement === category) first.focus();
      if (outageField.value && !linkTo.value) saveButton.textContent = cfg.text.outage_insist;
    }).catch(function () {});
  }, 120);
  category.addEventListener("change", function () {
    if (cfg.consultation_categories.indexOf(category.value) >= 0) {
      var radio = form.querySelector("input[name=outcome][value=" + cfg.outcome_consultation + "]");
      if (radio) { radio.checked = true; radio.dispatchEvent(new Event("change")); }
      document.getElementById("id_consultation_office").focus();
      return;
    }
    preview();
  });

  // ---- Keyboard: Enter moves on, Ctrl+Enter saves --------------------------------------------------
  form.addEventListener("keydown", function (e) {
    var t = e.target;
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      if (form.requestSubmit) form.requestSubmit(saveButton); else saveButton.click();
      return;
    }
    if (e.key === "Enter" && t.tagName === "INPUT" && t.type !== "submit" && t.type !== "button") {
      e.preventDefault();
      // Panel buttons (duplicates, status inquiries) are reached with Tab; Enter walks the fields.
      var fields = Array.prototype.filter.call(form.querySelectorAll("input, select, textarea, #save-button"), function (f) {
        return f.type !== "hidden" && !f.disabled && f.offsetParent !== null;
      });
      var i = fields.indexOf(t);
      if (i >= 0 && fields[i + 1]) fields[i + 1].focus();
    }
  });

  // One click, one appeal: the button is disabled on submit (the idempotency key guards the server side).
  form.addEventListener("submit", function () {
    setTimeout(function () { saveButton.disabled = true; saveButton.textContent = cfg.text.saving; }, 0);
  });

  // Outcome radios show the fields each outcome needs.
  function syncOutcome() {
    var checked = form.querySelector("input[name=outcome]:checked");
    var value = checked ? checked.value : cfg.outcome_new;
    Array.prototype.forEach.call(form.querySelectorAll("[data-outcomes]"), function (node) {
      node.hidden = node.getAttribute("data-outcomes").split(" ").indexOf(value) < 0;
    });
  }
  Array.prototype.forEach.call(form.querySelectorAll("input[name=outcome]"), function (r) { r.addEventListener("change", syncOutcome); });
  syncOutcome();
  if (linkTo.value) setLink(linkTo.value);

  document.addEventListener("keydown", function (e) {
    if (e.altKey && (e.key === "p" || e.key === "з")) { e.preventDefault(); phone.focus(); }
    if (e.altKey && (e.key === "a" || e.key === "ф")) { e.preventDefault(); address.focus(); }
  });
})();
