// Every staff page: live countdowns to deadlines (<time data-countdown datetime="…">), refreshed each 30 s.
"use strict";
(function () {
  var node = document.getElementById("countdown-text");
  if (!node) return;
  var T = JSON.parse(node.textContent);
  function span(ms) {
    var m = Math.floor(Math.abs(ms) / 60000), d = Math.floor(m / 1440), h = Math.floor((m % 1440) / 60);
    m = m % 60;
    return (d ? d + " " + T.d + " " : "") + (d || h ? h + " " + T.h + " " : "") + (d ? "" : m + " " + T.m);
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("time[data-countdown]").forEach(function (t) {
      var left = Date.parse(t.getAttribute("datetime")) - now;
      t.textContent = left >= 0 ? T.left + " " + span(left) : T.overdue + " " + span(left);
      t.classList.toggle("late", left < 0);
      t.classList.toggle("soon", left >= 0 && left < 2 * 3600000);
    });
  }
  tick();
  setInterval(tick, 30000);
})();
