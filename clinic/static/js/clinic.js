/* Small progressive enhancements; every page works without them. */
(function () {
  "use strict";

  // Ask before irreversible or significant actions (forms marked class="confirm").
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.classList && form.classList.contains("confirm")) {
      if (!window.confirm(form.getAttribute("data-confirm") || "Are you sure?")) {
        event.preventDefault();
      }
    }
  });

  // Idle-timeout warning: a minute before the server would sign the user out, offer
  // to stay signed in.  If they miss it, the server keeps what they typed anyway.
  var body = document.body;
  var timeout = parseInt(body.getAttribute("data-idle-timeout") || "0", 10);
  var keepalive = body.getAttribute("data-keepalive-url");
  if (!timeout || !keepalive) { return; }
  var warning = document.getElementById("idle-warning");
  var button = document.getElementById("stay-signed-in");
  var lead = Math.min(60, Math.floor(timeout / 4));
  var timer = null;

  function csrfToken() {
    var field = document.querySelector("input[name=csrf_token]");
    return field ? field.value : "";
  }
  function schedule() {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(function () {
      warning.hidden = false;
      button.focus();
    }, (timeout - lead) * 1000);
  }
  button.addEventListener("click", function () {
    fetch(keepalive, { method: "POST", credentials: "same-origin",
                       headers: { "X-CSRFToken": csrfToken() } })
      .then(function (response) {
        if (response.ok) { warning.hidden = true; schedule(); }
      });
  });
  schedule();
})();
