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

  document.querySelectorAll("button[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
