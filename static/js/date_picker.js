// Date pickers: a calendar beside each YYYY-MM-DD field (common.widgets.IsoDateInput), drawn by
// cally (static/vendor/cally, loaded just before this module). The field stays a text field that
// takes a typed date, so the form works without this script and the server checks every date
// either way; the calendar saves typing, opens at the first day the server accepts and offers no
// day it refuses (before `data-earliest`; weekends with `data-weekdays-only`; the public holidays
// listed in `data-closed-days`).
const ISO = /^\d{4}-\d{2}-\d{2}$/;
// The calendar's heading names month and year together ("December 2026"); cally's own shows the
// year above and the month below.
const MONTH_YEAR = new Intl.DateTimeFormat("en-GB", { month: "long", year: "numeric", timeZone: "UTC" });
const CHEVRON = {
  previous: "M15.75 19.5 8.25 12l7.5-7.5",
  next: "m8.25 4.5 7.5 7.5-7.5 7.5",
};

// The date `text` names, or null: 2026-02-30 matches the pattern but is no date.
function isoDay(text) {
  if (!ISO.test(text)) return null;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text ? date : null;
}

function isWeekend(date) {
  return date.getUTCDay() === 0 || date.getUTCDay() === 6;
}

function chevron(slot, name) {
  return `<svg slot="${slot}" role="img" aria-label="${name}" viewBox="0 0 24 24" width="18" height="18" fill="none" stroke="currentColor" stroke-width="2"><path d="${CHEVRON[slot]}"/></svg>`;
}

function enhance(input) {
  const label = document.querySelector(`label[for="${input.id}"]`);
  const name = (label?.firstChild?.textContent || "date").trim();
  const earliest = input.dataset.earliest || "";
  const weekdaysOnly = "weekdaysOnly" in input.dataset;
  const closed = new Set((input.dataset.closedDays || "").split(" ").filter(Boolean));

  // What the server would refuse, said as soon as a typed date is complete; the server's own
  // message follows on submit anyway.
  const refusal = (text) => {
    const date = isoDay(text);
    if (!text) return "";
    if (!date) return "Enter a date as YYYY-MM-DD.";
    if (earliest && text < earliest) return `The earliest date you can choose is ${earliest}.`;
    if (weekdaysOnly && isWeekend(date)) return "That day is a weekend; choose a weekday.";
    if (closed.has(text)) return "That day is a public holiday at the site; choose another.";
    return "";
  };
  input.addEventListener("input", () => input.setCustomValidity(""));
  input.addEventListener("change", () => {
    input.setCustomValidity(refusal(input.value.trim()));
    if (!input.checkValidity()) input.reportValidity();
  });

  const panel = document.createElement("div");
  panel.id = `${input.id}-calendar`;
  panel.className = "date-picker";
  panel.popover = "auto"; // Escape and a click elsewhere close it
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", `Calendar: ${name}`);
  const calendar = document.createElement("calendar-date");
  calendar.setAttribute("locale", "en-GB"); // month and day names as the rest of the site writes them
  calendar.setAttribute("first-day-of-week", "1");
  if (earliest) calendar.setAttribute("min", earliest);
  calendar.isDateDisallowed = (date) =>
    (weekdaysOnly && isWeekend(date)) || closed.has(date.toISOString().slice(0, 10));
  calendar.innerHTML = `${chevron("previous", "Previous month")}${chevron("next", "Next month")}<calendar-month></calendar-month>`;
  const heading = document.createElement("div");
  heading.slot = "heading";
  heading.className = "date-picker-heading";
  heading.setAttribute("aria-hidden", "true"); // cally announces the month itself
  const showMonth = (iso) => {
    heading.textContent = MONTH_YEAR.format(new Date(`${iso}T00:00:00Z`));
  };
  calendar.prepend(heading);
  calendar.addEventListener("focusday", (event) => {
    heading.textContent = MONTH_YEAR.format(event.detail);
  });
  panel.append(calendar);

  const toggle = document.createElement("button");
  toggle.type = "button";
  toggle.className = "btn date-picker-toggle";
  toggle.textContent = "Calendar";
  toggle.setAttribute("aria-label", `Choose the ${name.toLowerCase()} from a calendar`);
  toggle.setAttribute("aria-haspopup", "dialog");
  toggle.popoverTargetElement = panel;

  const row = document.createElement("div");
  row.className = "date-field";
  input.replaceWith(row);
  row.append(input, toggle, panel);

  // Top-layer popovers are placed against the viewport: under the field, or above it when the
  // page has no room below.
  const place = () => {
    const box = row.getBoundingClientRect();
    const below = box.bottom + 4;
    const above = box.top - 4 - panel.offsetHeight;
    const top = below + panel.offsetHeight > window.innerHeight && above > 0 ? above : below;
    const left = Math.max(4, Math.min(box.left, window.innerWidth - panel.offsetWidth - 4));
    panel.style.top = `${top}px`;
    panel.style.left = `${left}px`;
  };
  const follow = () => panel.matches(":popover-open") && place();

  panel.addEventListener("beforetoggle", (event) => {
    if (event.newState !== "open") return;
    const typed = input.value.trim();
    const chosen = isoDay(typed) && !refusal(typed) ? typed : "";
    calendar.value = chosen;
    // Opens at the chosen day, else at the earliest allowed one (else today).
    calendar.focusedDate = chosen || earliest || new Date().toISOString().slice(0, 10);
    showMonth(calendar.focusedDate);
  });
  panel.addEventListener("toggle", (event) => {
    if (event.newState !== "open") return;
    place();
    calendar.focus(); // keyboard users land on the focused day; arrows move, Enter chooses
  });
  calendar.addEventListener("change", () => {
    input.value = calendar.value;
    input.setCustomValidity("");
    input.dispatchEvent(new Event("change", { bubbles: true }));
    panel.hidePopover();
    input.focus();
  });
  window.addEventListener("scroll", follow, { passive: true, capture: true });
  window.addEventListener("resize", follow, { passive: true });
}

// Browsers without popovers (or if cally failed to load) keep the plain YYYY-MM-DD field.
if ("popover" in HTMLElement.prototype) {
  customElements.whenDefined("calendar-date").then(() => {
    document.querySelectorAll("input[data-date-picker]").forEach(enhance);
  });
}
