/* Maillage front end: its only script (the Content-Security-Policy allows no inline script).
   A form's error summary takes the focus when the page opens, so that a screen reader reads
   it and the keyboard starts from it; each of its links moves the focus to the field. */
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector("[data-error-summary]");
    if (summary) {
      summary.focus();
    }
  });

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("[data-error-summary] a[href^='#']") : null;
    if (!link) {
      return;
    }
    var field = document.getElementById(decodeURIComponent(link.hash.slice(1)));
    if (!field) {
      return;
    }
    event.preventDefault();
    // Bring the field's label (or its group's legend) into view with it, not the bare input.
    var group = field.closest("fieldset");
    var caption = group ? group.querySelector("legend") : null;
    if (!caption && window.CSS && CSS.escape) {
      caption = document.querySelector("label[for='" + CSS.escape(field.id) + "']");
    }
    (caption || field).scrollIntoView();
    field.focus({ preventScroll: true });
  });
})();
