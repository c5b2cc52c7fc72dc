// The review page's autosave: when a save does not reach the server or the server fails, say
// so in the panel (htmx swaps nothing then, and the panel would still claim the draft was
// saved) and ask before leaving the page, until a save goes through again.
(function () {
  "use strict";
  let unsaved = false;

  function inForm(event) {
    const form = document.getElementById("review-form");
    return form && form.contains(event.detail.elt) ? form : null;
  }

  function failed(event) {
    const form = inForm(event);
    const status = document.getElementById("save-status");
    if (!form || !status) return;
    unsaved = true;
    status.textContent = form.dataset.saveFailed;
    status.className = "error";
    status.setAttribute("role", "alert");
  }

  document.addEventListener("htmx:sendError", failed);
  document.addEventListener("htmx:responseError", failed);
  // The "Why" explanation is part of the panel each save replaces: a reader who opened it
  // keeps it open while they write.
  let whyOpen = false;
  document.addEventListener("htmx:beforeSwap", function (event) {
    const why = document.getElementById("why");
    if (inForm(event)) whyOpen = Boolean(why && why.open);
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    if (!inForm(event)) return;
    unsaved = false;
    const why = document.getElementById("why");
    if (why && whyOpen) why.open = true;
  });
  window.addEventListener("beforeunload", function (event) {
    if (unsaved) event.preventDefault();
  });
})();
