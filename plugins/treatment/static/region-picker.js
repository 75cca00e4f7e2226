/* Body-region checklists: a filter box above each list narrows it to the regions
 * whose name contains what is typed (ticked regions always stay visible), and a line
 * names the regions ticked, with the ticked ones first in the list.  Without
 * JavaScript the full checklist works on its own. */
(function () {
  "use strict";
  document.querySelectorAll("fieldset.region-picker").forEach(function (box) {
    var list = box.querySelector(".region-checklist");
    if (!list) { return; }
    var filter = document.createElement("input");
    filter.type = "search";
    filter.className = "region-filter";
    filter.setAttribute("aria-label", "Filter " + box.querySelector("legend").textContent);
    filter.placeholder = "Type to filter, e.g. lower back";
    // Typing in the filter is not an edit of the note: keep autosave out of it.
    filter.addEventListener("input", function (event) {
      event.stopPropagation();
      var words = filter.value.toLowerCase().split(/\s+/).filter(function (w) { return w; });
      list.querySelectorAll("li").forEach(function (item) {
        var text = item.textContent.toLowerCase();
        var ticked = item.querySelector("input").checked;
        var match = words.every(function (w) { return text.indexOf(w) !== -1; });
        item.hidden = !(ticked || match);
      });
    });
    filter.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); }
    });
    var chosen = document.createElement("p");
    chosen.className = "region-chosen";
    chosen.setAttribute("aria-live", "polite");
    function summarise() {
      var names = [];
      list.querySelectorAll("input:checked").forEach(function (input) {
        names.push(input.parentNode.textContent.trim());
      });
      chosen.textContent = names.length ? "Chosen: " + names.join("; ") : "None chosen yet.";
    }
    // Ticked regions first, so a saved choice is seen without scrolling.
    Array.prototype.slice.call(list.querySelectorAll("li")).reverse().forEach(function (item) {
      if (item.querySelector("input").checked) { list.insertBefore(item, list.firstChild); }
    });
    list.addEventListener("change", summarise);
    summarise();
    list.parentNode.insertBefore(filter, list);
    list.parentNode.insertBefore(chosen, list);
  });
})();
