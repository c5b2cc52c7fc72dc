// The scored parts of a 2025 form (QĐ 366's 100-point frame): as points are typed, each part's
// total is shown under its heading and written into the rating input the part feeds, which
// then cannot be typed into (the server computes the same sums: services._feed_scores).
(function () {
  "use strict";

  function number(text) {
    const value = Number(String(text).trim().replace(",", "."));
    return text.trim() !== "" && Number.isFinite(value) ? value : null;
  }

  function update() {
    document.querySelectorAll("[data-part-total]").forEach(function (total) {
      const key = total.dataset.partTotal;
      let sum = 0;
      let given = false;
      document.querySelectorAll('input[data-part="' + key + '"]').forEach(function (input) {
        const value = number(input.value);
        if (value !== null) {
          sum += value;
          given = true;
        }
      });
      const shown = String(Math.round(sum * 100) / 100);
      // Shown as the page's language writes numbers (13,5 in Vietnamese); typed into the
      // rating input as entered numbers are (either separator is read).
      const written = shown.replace(".", document.documentElement.lang === "vi" ? "," : ".");
      total.textContent = given ? total.dataset.format.replace("__TOTAL__", written) : "";
      const most = Number(total.dataset.most);
      total.classList.toggle("error", given && sum > most);
      const fed = document.getElementById("id_fact." + total.dataset.feeds);
      if (fed) {
        fed.readOnly = given;
        if (given) fed.value = shown;
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    const form = document.getElementById("review-form");
    if (!form) return;
    form.addEventListener("input", function (event) {
      if (event.target.matches("input[data-part]")) update();
    });
    update();
  });
})();
