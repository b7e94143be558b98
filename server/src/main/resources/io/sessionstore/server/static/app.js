// The session browser's one script: loads the next messages of a long session in place (the "Load more" link
// works without it, as a plain link to the next page). Nothing from a transcript is ever run: the fragment is
// HTML the server escaped, inserted through a <template>, which never runs scripts.
(function () {
  "use strict";
  function load(link) {
    if (link.dataset.loading) return;
    link.dataset.loading = "1";
    link.textContent = "Loading…";
    fetch(link.dataset.more, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) {
        if (!r.ok) throw new Error("status " + r.status);
        return r.text();
      })
      .then(function (html) {
        var t = document.createElement("template");
        t.innerHTML = html;
        link.closest("p.more").replaceWith(t.content);
        watch();
      })
      .catch(function (e) {
        delete link.dataset.loading;
        link.textContent = "Could not load more messages (" + e.message + "): click to retry";
      });
  }
  document.addEventListener("click", function (e) {
    var link = e.target.closest && e.target.closest("a[data-more]");
    if (link) { e.preventDefault(); load(link); }
  });
  // Load the next page as the reader nears the end of the transcript.
  var observer = "IntersectionObserver" in window ? new IntersectionObserver(function (entries) {
    entries.forEach(function (en) { if (en.isIntersecting) load(en.target); });
  }, { rootMargin: "600px" }) : null;
  function watch() {
    if (!observer) return;
    document.querySelectorAll("a[data-more]").forEach(function (a) { observer.observe(a); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", watch); else watch();
})();
