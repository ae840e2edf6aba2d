// Live pages without long-lived connections: every element with data-poll is refreshed from
// that URL every few seconds with a conditional request (If-None-Match). The server answers
// 304 when nothing changed, so an idle inbox costs two small queries per poll and no
// rendering. Polling pauses while the tab is hidden and catches up when it comes back.
(function () {
  "use strict";
  var INTERVAL = 4000;

  function poller(box) {
    var src = box.getAttribute("data-poll");
    var etag = null;
    var busy = false;

    function refresh() {
      if (busy || document.hidden) return;
      // Don't swap the list out from under a member who is typing in it.
      if (box.contains(document.activeElement) && document.activeElement.matches("input, textarea, select")) return;
      busy = true;
      var headers = { "X-Requested-With": "fetch" };
      if (etag) headers["If-None-Match"] = etag;
      fetch(src, { credentials: "same-origin", cache: "no-store", headers: headers })
        .then(function (r) {
          if (r.status === 304 || !r.ok) return null;
          etag = r.headers.get("ETag");
          return r.text();
        })
        .then(function (html) {
          if (html === null || html === undefined) return;
          var atBottom = window.innerHeight + window.scrollY >= document.body.scrollHeight - 40;
          box.innerHTML = html;
          box.dispatchEvent(new CustomEvent("lasso:updated", { bubbles: true }));
          if (box.hasAttribute("data-poll-stick-bottom") && atBottom) window.scrollTo(0, document.body.scrollHeight);
        })
        .catch(function () {})
        .then(function () { busy = false; });
    }
    setInterval(refresh, INTERVAL);
    document.addEventListener("visibilitychange", refresh);
  }

  document.querySelectorAll("[data-poll]").forEach(poller);

  // A conversation opens at its newest text, right above the reply box.
  if (document.querySelector("[data-poll-stick-bottom]")) window.scrollTo(0, document.body.scrollHeight);
})();
