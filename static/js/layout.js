// Layout behaviour shared by every page, loaded in <head> so the page never flashes:
// - the navigation folds into a menu on narrow screens (without JS it simply stays open);
// - each table cell learns its column's name, so on a phone a row can stack into a card
//   whose cells say what they are (see .table in app.css);
// - a <select data-submit-on-change> submits its form when a choice is made (the site's CSP
//   refuses inline on*= handlers; without JS the form keeps its own submit button).
document.documentElement.classList.add("js");

document.addEventListener("DOMContentLoaded", () => {
  const toggle = document.querySelector(".menu-toggle");
  if (toggle) {
    const bar = toggle.closest(".topbar");
    toggle.addEventListener("click", () => {
      const open = bar.classList.toggle("menu-open");
      toggle.setAttribute("aria-expanded", String(open));
    });
  }

  document.querySelectorAll("select[data-submit-on-change]").forEach((select) => {
    select.addEventListener("change", () => select.form.submit());
  });

  document.querySelectorAll("table.table").forEach((table) => {
    const names = [];
    table.querySelectorAll("thead tr:last-child th").forEach((th) => {
      for (let i = 0; i < (th.colSpan || 1); i += 1) names.push(th.textContent.trim());
    });
    table.querySelectorAll("tbody tr, tfoot tr").forEach((row) => {
      let column = 0;
      Array.from(row.cells).forEach((cell) => {
        // Data cells only: a heading cell (a total's label) names itself.
        if (cell.tagName === "TD" && !cell.dataset.label && names[column]) cell.dataset.label = names[column];
        column += cell.colSpan || 1;
      });
    });
  });
});
