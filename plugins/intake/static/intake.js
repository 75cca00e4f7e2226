/* Intake forms: skip logic and the tappable pain diagram.  Every page works without
   this file (all questions and a plain list of body regions are shown); it only makes
   the pages shorter and lets a patient tap the body outline. */
(function () {
  "use strict";

  function fieldName(itemId) { return "q-" + itemId; }

  // -- skip logic: show a question only when the answer it depends on allows it ----
  function controllerValues(form, name) {
    var values = [];
    var inputs = form.querySelectorAll("[name='" + name + "']");
    Array.prototype.forEach.call(inputs, function (input) {
      if ((input.type === "radio" || input.type === "checkbox")) {
        if (input.checked) { values.push(input.value.toLowerCase()); }
      } else if (input.value) {
        values.push(input.value.toLowerCase());
      }
    });
    return values;
  }

  function applySkipLogic(form) {
    var dependents = form.querySelectorAll("[data-show-if]");
    Array.prototype.forEach.call(dependents, function (block) {
      var name = fieldName(block.getAttribute("data-show-if"));
      if (!form.querySelector("[name='" + name + "']")) { return; }  // asked on another page
      var allowed = block.getAttribute("data-show-values").toLowerCase().split("|");
      var current = controllerValues(form, name);
      block.hidden = !current.some(function (v) { return allowed.indexOf(v) !== -1; });
    });
  }

  // -- pain diagram ------------------------------------------------------------------
  // A tap on a region opens a 0-10 scale for it; nothing is rated until a number is
  // chosen (no silent default).  The number fields stay the real form: without this
  // script they are all shown and typed into directly.
  var FILLS = { none: "#e8eeec", zero: "#e6f4ea", mild: "#ffe9a8", moderate: "#f6a04d", severe: "#c0392b" };

  function band(value) {
    var n = parseInt(value, 10);
    if (value === "" || isNaN(n) || n < 0 || n > 10) { return "none"; }
    if (n === 0) { return "zero"; }
    if (n <= 3) { return "mild"; }
    if (n <= 6) { return "moderate"; }
    return "severe";
  }

  function setupPainPicker(picker) {
    picker.classList.add("js");
    var rater = picker.querySelector("[data-pain-rater]");
    var current = null;
    function row(code) { return picker.querySelector("[data-region-row='" + code + "']"); }
    function input(code) { return document.getElementById("pain-" + code); }
    function link(code) { return picker.querySelector("a[data-region='" + code + "']"); }
    function paint(code) {
      var field = input(code);
      var value = field ? field.value.trim() : "";
      var kind = band(value);
      var r = row(code);
      if (r) { r.classList.toggle("selected", value !== ""); }
      Array.prototype.forEach.call(picker.querySelectorAll("rect.region[data-region='" + code + "']"), function (shape) {
        shape.setAttribute("fill", FILLS[kind]);
        shape.classList.toggle("marked", kind !== "none");
      });
      var number = picker.querySelector("[data-number='" + code + "']");
      if (number) {
        number.textContent = kind === "none" ? "" : String(parseInt(value, 10));
        number.setAttribute("fill", kind === "severe" ? "#ffffff" : "#1f2a30");
      }
      var a = link(code);
      if (a) {
        var label = a.getAttribute("data-label");
        a.setAttribute("aria-label", "On the picture: " + label + (kind === "none" ? "" : ", " + parseInt(value, 10) + " of 10"));
      }
    }
    function close(returnFocus) {
      if (!rater || current === null) { return; }
      var a = link(current);
      if (a) { a.classList.remove("choosing"); }
      rater.hidden = true;
      if (returnFocus && a) { a.focus(); }
      current = null;
    }
    function open(code) {
      if (!rater) { return; }
      if (current !== null) { close(false); }
      current = code;
      var a = link(code);
      a.classList.add("choosing");
      rater.querySelector("[data-rater-label]").textContent = a.getAttribute("data-label");
      var value = input(code).value.trim();
      var pressed = null;
      Array.prototype.forEach.call(rater.querySelectorAll("button.rate"), function (button) {
        var on = button.value === value;
        button.setAttribute("aria-pressed", on ? "true" : "false");
        if (on) { pressed = button; }
      });
      rater.hidden = false;
      (pressed || rater.querySelector("button.rate")).focus();
    }
    Array.prototype.forEach.call(picker.querySelectorAll("a.region-link"), function (a) {
      var code = a.getAttribute("data-region");
      a.setAttribute("role", "button");
      paint(code);
      a.addEventListener("click", function (event) {
        event.preventDefault();
        if (input(code)) { open(code); }
      });
      a.addEventListener("keydown", function (event) {
        if (event.key === " ") { event.preventDefault(); open(code); }
      });
    });
    if (rater) {
      rater.addEventListener("click", function (event) {
        var button = event.target.closest("button");
        if (!button || current === null) { return; }
        var code = current;
        if (button.classList.contains("rate")) {
          input(code).value = button.value;
        } else if (button.hasAttribute("data-rater-clear")) {
          input(code).value = "";
        }
        paint(code);
        close(true);
      });
      rater.addEventListener("keydown", function (event) {
        if (event.key === "Escape") { close(true); }
      });
    }
    picker.addEventListener("input", function (event) {
      var id = event.target.id || "";
      if (id.indexOf("pain-") === 0) { paint(id.slice(5)); }
    });
  }

  // -- signature drawn with a finger, a pen or the mouse -----------------------------
  // The drawing is stored as a PNG beside the typed name; the typed name alone is a
  // valid signature, so without this script the pad simply stays hidden.
  function setupSignaturePad(pad) {
    var canvas = pad.querySelector("[data-pad-canvas]");
    var value = pad.querySelector("[data-pad-value]");
    var context = canvas.getContext("2d");
    var drawing = false;
    var last = null;
    pad.hidden = false;
    context.lineWidth = 3;
    context.lineCap = "round";
    context.lineJoin = "round";
    context.strokeStyle = "#1f2a30";
    if (value.value) {
      var saved = new Image();
      saved.onload = function () { context.drawImage(saved, 0, 0); };
      saved.src = value.value;
    }
    function point(event) {
      var box = canvas.getBoundingClientRect();
      return {
        x: (event.clientX - box.left) * canvas.width / box.width,
        y: (event.clientY - box.top) * canvas.height / box.height
      };
    }
    canvas.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      canvas.setPointerCapture(event.pointerId);
      drawing = true;
      last = point(event);
      context.beginPath();
      context.arc(last.x, last.y, 1.2, 0, Math.PI * 2);
      context.fill();
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) { return; }
      var next = point(event);
      context.beginPath();
      context.moveTo(last.x, last.y);
      context.lineTo(next.x, next.y);
      context.stroke();
      last = next;
    });
    function finish() {
      if (!drawing) { return; }
      drawing = false;
      value.value = canvas.toDataURL("image/png");
    }
    canvas.addEventListener("pointerup", finish);
    canvas.addEventListener("pointercancel", finish);
    pad.querySelector("[data-pad-clear]").addEventListener("click", function () {
      context.clearRect(0, 0, canvas.width, canvas.height);
      value.value = "";
    });
  }

  // -- "where on your body?" answered on the body ------------------------------------
  // Each region toggles its tick box; the tick boxes (the real form) are then hidden.
  function setupRegionChoice(question) {
    question.classList.add("js");
    var hint = question.querySelector(".region-hint");
    if (hint) { hint.hidden = false; }
    Array.prototype.forEach.call(question.querySelectorAll("a.region-toggle"), function (a) {
      var box = document.getElementById(a.getAttribute("data-target"));
      if (!box) { return; }
      var shape = a.querySelector("rect.region");
      a.setAttribute("role", "checkbox");
      function paint() {
        a.setAttribute("aria-checked", box.checked ? "true" : "false");
        shape.setAttribute("fill", box.checked ? "#5aa99c" : "#e8eeec");
        shape.classList.toggle("chosen", box.checked);
      }
      paint();
      a.addEventListener("click", function (event) {
        event.preventDefault();
        box.checked = !box.checked;
        paint();
      });
      a.addEventListener("keydown", function (event) {
        if (event.key === " ") { event.preventDefault(); a.click(); }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll(".region-question"), setupRegionChoice);
    Array.prototype.forEach.call(document.querySelectorAll("[data-signature-pad]"), setupSignaturePad);
    var forms = document.querySelectorAll("form");
    Array.prototype.forEach.call(forms, function (form) {
      if (!form.querySelector("[data-show-if]")) { return; }
      applySkipLogic(form);
      form.addEventListener("change", function () { applySkipLogic(form); });
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-pain-picker]"), setupPainPicker);
  });
})();
