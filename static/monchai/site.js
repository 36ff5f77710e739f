// Progressive enhancements for MonChai: printing a quote and adding quote lines.
"use strict";

for (const button of document.querySelectorAll("[data-print]")) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}

for (const button of document.querySelectorAll("[data-add-line]")) {
  const prefix = button.dataset.addLine;
  const total = document.getElementById(`id_${prefix}-TOTAL_FORMS`);
  const template = document.getElementById("empty-line");
  const lines = document.querySelector("[data-lines]");
  if (!total || !template || !lines) continue;
  button.hidden = false;
  button.addEventListener("click", () => {
    const index = Number(total.value);
    const line = template.content.cloneNode(true);
    for (const element of line.querySelectorAll("[id], [name], [for], [aria-describedby]")) {
      for (const attribute of ["id", "name", "for", "aria-describedby"]) {
        const value = element.getAttribute(attribute);
        if (value) element.setAttribute(attribute, value.replaceAll("__prefix__", index));
      }
    }
    lines.append(line);
    total.value = String(index + 1);
    lines.lastElementChild.querySelector("select, input:not([type=hidden])")?.focus();
  });
}
