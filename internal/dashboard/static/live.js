// Keeps a dashboard page live: /live sends an event whenever what the
// pages show may have changed; the page is then fetched again and its
// live parts (marked data-live) swapped in, unless a person is typing in
// one of its forms. Without this script the pages are whole; a reload
// shows the same.
(function () {
  "use strict";
  var busy = false, again = false;

  function typing() {
    var a = document.activeElement;
    return a && (a.tagName === "INPUT" || a.tagName === "TEXTAREA") && a.value !== "";
  }

  function refresh() {
    if (busy || typing()) { again = true; return; }
    busy = true;
    fetch(location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        document.querySelectorAll("[data-live]").forEach(function (el) {
          var fresh = el.id && doc.getElementById(el.id);
          if (fresh) { el.replaceWith(document.importNode(fresh, true)); }
        });
        document.body.dataset.updated = String(Date.now());
      })
      .catch(function () { /* the next change tries again */ })
      .then(function () {
        busy = false;
        if (again) { again = false; setTimeout(refresh, 500); }
      });
  }

  function connect() {
    if (!window.EventSource) { return; }
    var seen = null;
    var es = new EventSource("/live");
    es.addEventListener("change", function (e) {
      document.body.classList.remove("offline");
      if (seen !== null && e.data !== seen) { refresh(); }
      seen = e.data;
    });
    es.onerror = function () { document.body.classList.add("offline"); };
  }

  // Forms that undo work ask first.
  document.addEventListener("submit", function (e) {
    var msg = e.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { e.preventDefault(); }
  });
  document.addEventListener("focusout", function () { if (again && !typing()) { again = false; refresh(); } });
  connect();
})();
