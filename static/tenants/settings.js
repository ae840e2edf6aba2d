// Settings page: the live text-back preview. (Confirmations before removals, on Settings and
// Team, come from lasso.js, which every signed-in page loads.)
// Plain JavaScript, no CDN: the pages work offline and without this file.
(function () {
  "use strict";

  var form = document.getElementById("settings-form");
  var box = document.getElementById("textback-preview");
  if (!form || !box) return;
  var watched = ["name", "qualifying_question", "textback_plain_hyphen"];
  var timer = null;
  var latest = 0;

  function refresh() {
    var params = new URLSearchParams();
    params.set("name", form.elements.name.value);
    params.set("qualifying_question", form.elements.qualifying_question.value);
    if (form.elements.textback_plain_hyphen.checked) params.set("textback_plain_hyphen", "on");
    var mine = ++latest;
    fetch(box.dataset.previewUrl + "?" + params.toString(), { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("preview " + response.status);
        return response.text();
      })
      .then(function (html) {
        // Answers can arrive out of order; only the newest one is shown.
        if (mine === latest) box.innerHTML = html;
      })
      .catch(function () { /* keep the last preview; saving still validates */ });
  }

  function schedule(event) {
    if (watched.indexOf(event.target.name) === -1) return;
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 150);
  }

  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);

  // Typing a time for a day means it is open: untick that day's Closed box.
  form.querySelectorAll(".hours .day").forEach(function (day) {
    var closed = day.querySelector("label.closed input");
    day.querySelectorAll("input.time").forEach(function (time) {
      time.addEventListener("input", function () {
        if (time.value && closed) closed.checked = false;
      });
    });
  });
})();
