/* Autosave for draft session notes.
 * Posts the note form a few seconds after each change and when the tab is hidden or
 * closed (fetch keepalive; sendBeacon cannot send the CSRF header).  The server keeps
 * the typed values as a draft and answers with the note's new version; a stale version
 * gets 409 and both versions are shown, nothing is overwritten. */
(function () {
  "use strict";
  var form = document.getElementById("note-form");
  if (!form) { return; }
  var url = form.getAttribute("data-autosave-url");
  var status = document.getElementById("autosave-status");
  var versionField = form.querySelector("input[name=version]");
  var csrfField = form.querySelector("input[name=csrf_token]");
  var dirty = false;
  var timer = null;
  var stopped = false;
  var DELAY_MS = 3000;

  function body() {
    var data = new URLSearchParams();
    new FormData(form).forEach(function (value, key) { data.append(key, value); });
    return data;
  }

  function showConflict(payload) {
    stopped = true;
    var box = document.createElement("div");
    box.className = "autosave-conflict";
    box.setAttribute("role", "alert");
    var p = document.createElement("p");
    p.textContent = payload.error || "Not saved.";
    box.appendChild(p);
    if (payload.rows && payload.rows.length) {
      var table = document.createElement("table");
      table.className = "table compare";
      var head = table.insertRow();
      ["Field", "Saved now", "What you typed"].forEach(function (t) {
        var th = document.createElement("th"); th.textContent = t; head.appendChild(th);
      });
      payload.rows.forEach(function (r) {
        var row = table.insertRow();
        [r.field, r.saved, r.yours].forEach(function (t) { row.insertCell().textContent = t; });
      });
      box.appendChild(table);
    }
    var again = document.createElement("p");
    again.textContent = "Copy anything you need, then reload the page to continue from the saved version.";
    box.appendChild(again);
    form.parentNode.insertBefore(box, form);
  }

  function save(keepalive) {
    if (!dirty || stopped) { return; }
    dirty = false;
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      keepalive: !!keepalive,
      headers: { "X-CSRFToken": csrfField ? csrfField.value : "" },
      body: body()
    }).then(function (response) {
      return response.json().then(function (payload) { return [response.status, payload]; });
    }).then(function (result) {
      var code = result[0], payload = result[1];
      if (code === 200) {
        versionField.value = payload.version;
        status.textContent = "Saved " + payload.saved_at;
      } else if (code === 409) {
        showConflict(payload);
      } else {
        dirty = true;
        status.textContent = "Not saved yet; will retry.";
      }
    }).catch(function () {
      dirty = true;
      if (status) { status.textContent = "Not saved yet (offline?); will retry."; }
    });
  }

  function changed() {
    dirty = true;
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(function () { save(false); }, DELAY_MS);
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  form.addEventListener("submit", function () { dirty = false; stopped = true; });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { save(true); }
  });
  window.addEventListener("pagehide", function () { save(true); });
})();
