// Progressive enhancement for the admin's pages; every page works without it.
// Loaded from the package (script-src 'self'): no inline script, nothing from another host.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // "Select all on this page": the header checkbox of a list with bulk actions.
  const selectPage = document.getElementById("select-page");
  if (selectPage) {
    selectPage.addEventListener("change", () => {
      for (const box of document.querySelectorAll("input.select-row")) {
        box.checked = selectPage.checked;
      }
    });
  }
});
