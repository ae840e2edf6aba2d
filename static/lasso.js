// Behaviour every signed-in page shares. The Content-Security-Policy allows no inline
// handlers, so markup asks for behaviour with data- attributes and this file wires it up;
// without it every form still works (a Switch button, a plain submit).
(function () {
  "use strict";

  // A form that changes something hard to undo asks first: data-confirm holds the question.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });

  // The business switcher: choosing a business switches at once.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () {
      if (typeof select.form.requestSubmit === "function") select.form.requestSubmit();
      else select.form.submit();
    });
  });

  // A value shown once to be copied (a new API token): one click selects all of it.
  document.querySelectorAll("input[data-select-on-click]").forEach(function (input) {
    input.addEventListener("click", function () { input.select(); });
  });

  // The phone menu: one button opens the links under the top bar.
  document.querySelectorAll("button[data-menu-toggle]").forEach(function (button) {
    var header = button.closest("header");
    button.addEventListener("click", function () {
      var open = header.classList.toggle("open");
      button.setAttribute("aria-expanded", open ? "true" : "false");
    });
  });

  // A table row that stands for a conversation opens it when tapped anywhere on the row.
  document.querySelectorAll("tr[data-href]").forEach(function (row) {
    row.classList.add("opens");
    row.addEventListener("click", function (event) {
      if (event.target.closest("a, button, audio, form, input, select, textarea")) return;
      window.location.assign(row.dataset.href);
    });
  });

  // A saved quick reply fills the reply box; the member still reads it and presses Send.
  document.querySelectorAll("button[data-quick-reply]").forEach(function (button) {
    button.addEventListener("click", function () {
      var box = document.getElementById(button.dataset.target || "reply-body");
      if (!box) return;
      box.value = button.dataset.quickReply;
      box.focus();
    });
  });

  // The installable app's service worker (offline shell only: it never stores customer data).
  if ("serviceWorker" in navigator && document.body.dataset.serviceWorker) {
    navigator.serviceWorker.register(document.body.dataset.serviceWorker, { scope: "/app/" })
      .catch(function () {});
  }

  document.querySelectorAll("button[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
