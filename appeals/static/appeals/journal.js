// The journal's saved filters: a name for the current filter set, kept in this browser for this user
// (localStorage), listed as links. Nothing personal is stored: only the filter query.
"use strict";
(function () {
  var box = document.getElementById("saved-filters");
  if (!box || !window.localStorage) return;
  var key = box.getAttribute("data-storage-key");
  var T = JSON.parse(document.getElementById("saved-filter-text").textContent);
  var list = document.getElementById("saved-filter-list");
  function read() { try { return JSON.parse(localStorage.getItem(key) || "[]"); } catch (e) { return []; } }
  function write(items) { localStorage.setItem(key, JSON.stringify(items.slice(0, 20))); }
  function query() {
    var q = new URLSearchParams(window.location.search);
    q.delete("after");
    return q.toString();
  }
  function draw() {
    list.innerHTML = "";
    read().forEach(function (f, i) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = "?" + f.query; a.textContent = f.name; a.className = "saved-filter";
      var rm = document.createElement("button");
      rm.type = "button"; rm.className = "linklike-dark"; rm.textContent = T.remove;
      rm.setAttribute("aria-label", T.remove + ": " + f.name);
      rm.addEventListener("click", function () { var items = read(); items.splice(i, 1); write(items); draw(); });
      li.append(a, " ", rm);
      list.appendChild(li);
    });
  }
  document.getElementById("save-filter-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var name = document.getElementById("save-filter-name").value.trim();
    if (!name) return;
    var items = read().filter(function (f) { return f.name !== name; });
    items.unshift({name: name, query: query()});
    write(items);
    document.getElementById("save-filter-name").value = "";
    draw();
  });
  box.hidden = false;
  draw();
})();
