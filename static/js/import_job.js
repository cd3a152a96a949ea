// Polls the import job's status every second, moves the bar, and reloads once it has finished
// so the server renders the results (counts, rejected rows, error report link).
(() => {
  const box = document.getElementById("import-progress");
  if (!box) return;
  const bar = box.querySelector(".progress-bar");
  const meter = box.querySelector("[role=progressbar]");
  const text = box.querySelector("[data-progress-text]");
  const title = box.querySelector("[data-progress-title]");
  const queuedNote = box.querySelector("[data-queued-note]");
  // The bar's starting width, where the page's style="" was refused (the production CSP allows
  // no inline style); a script may still set a style.
  if (!bar.style.width) bar.style.width = meter.getAttribute("aria-valuenow") + "%";
  const poll = async () => {
    try {
      const response = await fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(response.statusText);
      const job = await response.json();
      title.textContent = job.status === "queued" ? "Queued" : "Importing…";
      queuedNote.hidden = job.status !== "queued";
      bar.style.width = job.percent + "%";
      meter.setAttribute("aria-valuenow", job.percent);
      text.textContent = `${job.processed_rows.toLocaleString()} of ${job.total_rows.toLocaleString()} rows (${job.percent} %): ` +
        `${job.created_count.toLocaleString()} registered, ${job.rejected_count.toLocaleString()} rejected so far.`;
      if (job.status === "done" || job.status === "failed") {
        window.location.reload();
        return;
      }
    } catch (error) {
      text.textContent = "Could not reach the server; retrying…";
    }
    window.setTimeout(poll, 1000);
  };
  window.setTimeout(poll, 1000);
})();
