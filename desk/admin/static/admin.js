// Progressive enhancement for the admin's pages; every page works without it.
// Loaded from the package (script-src 'self'): no inline script, nothing from another host.
"use strict";

// "Select all on this page": the header checkbox of a list with bulk actions.
function enableSelectPage() {
  const selectPage = document.getElementById("select-page");
  if (!selectPage) {
    return;
  }
  selectPage.addEventListener("change", () => {
    for (const box of document.querySelectorAll("input.select-row")) {
      box.checked = selectPage.checked;
    }
  });
}

// Type-ahead on user id fields: the field's data-lookup URL answers [{id, label}] for ?q=,
// shown as a datalist whose options insert the id and show the username.
function enableLookup(input) {
  const list = document.createElement("datalist");
  list.id = input.id + "-suggestions";
  input.setAttribute("list", list.id);
  input.after(list);
  let pending = null;
  input.addEventListener("input", () => {
    const text = input.value.trim();
    if (!text || /^\d+$/.test(text)) {
      return;
    }
    clearTimeout(pending);
    pending = setTimeout(async () => {
      const url = input.dataset.lookup + "?q=" + encodeURIComponent(text);
      const response = await fetch(url, { credentials: "same-origin" });
      if (!response.ok) {
        return;
      }
      list.replaceChildren(
        ...(await response.json()).map((user) => {
          const option = document.createElement("option");
          option.value = String(user.id);
          option.label = user.label;
          option.textContent = user.label;
          return option;
        }),
      );
    }, 150);
  });
}

document.addEventListener("DOMContentLoaded", () => {
  enableSelectPage();
  for (const input of document.querySelectorAll("input[data-lookup]")) {
    enableLookup(input);
  }
});
