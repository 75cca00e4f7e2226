/* Diagnosis search on the plan form: find back-pain ICD-10-CM codes by code or words
 * and add them to the diagnoses field.  Without JavaScript the search page still works. */
(function () {
  "use strict";
  var box = document.getElementById("icd10-search");
  var field = document.getElementById("diagnoses");
  if (!box || !field) { return; }
  var input = box.querySelector("input");
  var list = box.querySelector("ul");
  var url = box.getAttribute("data-url");
  var timer = null;

  function add(code) {
    var codes = field.value.split(/[\s,]+/).filter(function (c) { return c; });
    if (codes.indexOf(code) === -1) { codes.push(code); }
    field.value = codes.join(", ");
    field.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function show(results) {
    list.textContent = "";
    results.forEach(function (d) {
      var li = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      // Not the header's white "link-button": these sit on the white form.
      button.className = "icd10-pick";
      button.textContent = "Add " + d.code + " " + d.title;
      button.addEventListener("click", function () { add(d.code); });
      li.appendChild(button);
      (d.notes || []).forEach(function (text) {
        var note = document.createElement("p");
        note.className = "hint icd10-note";
        note.textContent = text;
        li.appendChild(note);
      });
      list.appendChild(li);
    });
    if (!results.length && input.value.trim()) {
      var none = document.createElement("li");
      none.textContent = "No codes found.";
      list.appendChild(none);
    }
  }

  input.addEventListener("input", function () {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(function () {
      var q = input.value.trim();
      if (!q) { show([]); return; }
      fetch(url + "?q=" + encodeURIComponent(q), {
        credentials: "same-origin", headers: { "Accept": "application/json" }
      }).then(function (r) { return r.json(); })
        .then(function (data) { show(data.results || []); })
        .catch(function () { /* the search page link still works */ });
    }, 250);
  });
  box.hidden = false;
})();
