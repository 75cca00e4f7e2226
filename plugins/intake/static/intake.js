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
  var FILLS = { none: "#f4f6f5", zero: "#e6f4ea", mild: "#ffe9a8", moderate: "#f6a04d", severe: "#c0392b" };

  function fillFor(value) {
    if (value === "" || isNaN(parseInt(value, 10))) { return FILLS.none; }
    var n = parseInt(value, 10);
    if (n <= 0) { return FILLS.zero; }
    if (n <= 3) { return FILLS.mild; }
    if (n <= 6) { return FILLS.moderate; }
    return FILLS.severe;
  }

  function setupPainPicker(picker) {
    picker.classList.add("js");
    function row(code) { return picker.querySelector("[data-region-row='" + code + "']"); }
    function input(code) { return document.getElementById("pain-" + code); }
    function paint(code) {
      var field = input(code);
      var marked = field && field.value !== "";
      var r = row(code);
      if (r) { r.classList.toggle("selected", marked); }
      var shapes = picker.querySelectorAll("rect[data-region='" + code + "']");
      Array.prototype.forEach.call(shapes, function (shape) {
        shape.setAttribute("fill", fillFor(field ? field.value : ""));
        shape.classList.toggle("marked", marked);
      });
      var link = picker.querySelector("a[data-region='" + code + "']");
      if (link) { link.setAttribute("aria-pressed", marked ? "true" : "false"); }
    }
    var links = picker.querySelectorAll("a.region-link");
    Array.prototype.forEach.call(links, function (link) {
      var code = link.getAttribute("data-region");
      link.setAttribute("role", "button");
      paint(code);
      link.addEventListener("click", function (event) {
        event.preventDefault();
        var field = input(code);
        if (!field) { return; }
        if (field.value === "") {
          field.value = "5";
          paint(code);
          field.focus();
          field.select();
        } else {
          field.value = "";
          paint(code);
        }
      });
      link.addEventListener("keydown", function (event) {
        if (event.key === " ") { event.preventDefault(); link.click(); }
      });
    });
    picker.addEventListener("input", function (event) {
      var id = event.target.id || "";
      if (id.indexOf("pain-") === 0) { paint(id.slice(5)); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var forms = document.querySelectorAll("form");
    Array.prototype.forEach.call(forms, function (form) {
      if (!form.querySelector("[data-show-if]")) { return; }
      applySkipLogic(form);
      form.addEventListener("change", function () { applySkipLogic(form); });
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-pain-picker]"), setupPainPicker);
  });
})();
