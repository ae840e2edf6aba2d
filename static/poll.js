// Refresh the conversation timeline every few seconds so new texts appear without a reload.
(function () {
  var box = document.getElementById("timeline");
  if (!box) return;
  var src = box.getAttribute("data-src");
  function refresh() {
    if (document.hidden) return;
    fetch(src, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null && html !== box.innerHTML) box.innerHTML = html; })
      .catch(function () {});
  }
  setInterval(refresh, 4000);
})();
