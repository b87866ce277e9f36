// Follows a bulk issue of certificates: polls its JSON status and updates the <progress>
// element and its live text, then reveals the links once it is finished. No inline script:
// the page gives the status URL in a data attribute.
(function () {
  "use strict";

  var root = document.querySelector("[data-bulk-progress]");
  if (!root || root.dataset.finished === "true") {
    return;
  }
  var url = root.dataset.statusUrl;
  var bar = root.querySelector("progress");
  var summary = root.querySelector("[data-bulk-summary]");
  var links = root.querySelector("[data-bulk-links]");
  var delay = 1000;

  function show(data) {
    bar.value = data.percent;
    bar.textContent = data.percent + "%";
    // Only a changed sentence is announced by screen readers.
    if (summary.textContent !== data.summary) {
      summary.textContent = data.summary;
    }
    if (data.finished) {
      root.dataset.finished = "true";
      links.hidden = false;
    }
  }

  function poll() {
    fetch(url, {
      credentials: "same-origin",
      cache: "no-store",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        show(data);
        delay = 1000;
        if (!data.finished) {
          window.setTimeout(poll, delay);
        }
      })
      .catch(function () {
        // A network hiccup: try again, less often.
        delay = Math.min(delay * 2, 15000);
        window.setTimeout(poll, delay);
      });
  }

  window.setTimeout(poll, delay);
})();
