// Follows a job running in the background (a bulk issue of certificates, a large import):
// polls its JSON status, updates the <progress> element and its live text, then reveals the
// links once it is finished, or goes to the next page when the status gives one (or reloads
// this one when it says so). No inline
// script: the page gives the status URL in a data attribute.
(function () {
  "use strict";

  var root = document.querySelector("[data-progress]");
  if (!root || root.dataset.finished === "true") {
    return;
  }
  var url = root.dataset.statusUrl;
  var bar = root.querySelector("progress");
  var summary = root.querySelector("[data-progress-summary]");
  var links = root.querySelector("[data-progress-links]");
  var delay = 1000;

  function show(data) {
    if (data.next_url) {
      window.location.assign(data.next_url);
      return;
    }
    bar.value = data.percent;
    bar.textContent = data.percent + "%";
    // Only a changed sentence is announced by screen readers.
    if (summary.textContent !== data.summary) {
      summary.textContent = data.summary;
    }
    if (data.finished) {
      if (data.reload) {
        // The finished page shows more than the bar (the counts): load it.
        window.location.reload();
        return;
      }
      root.dataset.finished = "true";
      if (links) {
        links.hidden = false;
      }
    }
  }

  function poll() {
    fetch(url, {
      credentials: "same-origin",
      cache: "no-store",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        if (response.status === 401) {
          // Signed out (the session expired): reloading leads to the sign-in page.
          window.location.reload();
          throw new Error("signed out");
        }
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        show(data);
        delay = 1000;
        if (!data.finished && !data.next_url) {
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
