// The onboarding wizard: the text-back's live preview while the question is typed, and the
// test call's steps refreshed in place as they happen. Plain JavaScript, no CDN; every page
// works without it (the preview shows the saved question, the list has a Refresh link).
(function () {
  "use strict";

  var form = document.getElementById("question-form");
  var box = document.getElementById("textback-preview");
  if (form && box) {
    var timer = null;
    var latest = 0;
    var refreshPreview = function () {
      var params = new URLSearchParams();
      params.set("qualifying_question", form.elements.qualifying_question.value);
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
    };
    form.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(refreshPreview, 150);
    });
  }

  var progress = document.getElementById("test-call-progress");
  if (progress) {
    var poll = function () {
      fetch(progress.dataset.progressUrl, { credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) throw new Error("progress " + response.status);
          return response.text();
        })
        .then(function (html) {
          progress.innerHTML = html;
          // Stop once the text-back is delivered: nothing more will happen.
          if (progress.querySelector('[data-step="delivered"].done')) return;
          window.setTimeout(poll, 2000);
        })
        .catch(function () { window.setTimeout(poll, 5000); });
    };
    window.setTimeout(poll, 2000);
  }
})();
