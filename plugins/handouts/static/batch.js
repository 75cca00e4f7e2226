// Polls the batch status and moves the progress bar; the render runs in the background.
(function () {
  "use strict";
  const box = document.getElementById("batch");
  if (!box) { return; }
  const bar = document.getElementById("batch-progress");
  const text = document.getElementById("batch-text");
  const message = document.getElementById("batch-message");
  const download = document.getElementById("batch-download");
  function poll() {
    fetch(box.dataset.statusUrl, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        bar.max = s.total; bar.value = s.done;
        text.textContent = s.done + " of " + s.total + " patients done" +
          (s.status === "done" ? "." : s.status === "failed" ? ": the batch stopped." : "; you can keep working in another tab.");
        message.textContent = s.message || "";
        if (s.download) { download.hidden = false; }
        if (s.status !== "done" && s.status !== "failed") { setTimeout(poll, 1000); }
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  poll();
})();
