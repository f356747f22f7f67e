// storydiff report: filters, the calm toggle, and keyboard navigation between
// changes. Vanilla JS, no network. It reads only the page's own DOM and
// data-* attributes; no document text is ever evaluated.
(function () {
  "use strict";
  var root = document.getElementById("storydiff-report");
  if (!root) { return; }
  var RANK = { high: 3, medium: 2, low: 1 };
  var sev = document.getElementById("filter-severity");
  var cat = document.getElementById("filter-category");
  var calm = document.getElementById("toggle-calm");
  var status = document.getElementById("filter-status");
  var count = document.getElementById("change-count");
  var list = document.getElementById("change-list");
  var items = Array.prototype.slice.call(root.querySelectorAll("#change-list .change"));
  var chips = Array.prototype.slice.call(root.querySelectorAll(".cat-chip"));
  var current = null;
  var flashed = null;

  function linked(id) {
    return root.querySelectorAll('[data-change~="' + id + '"]');
  }

  function apply() {
    var floor = RANK[sev.value] || 1;
    var wanted = cat.value;
    var shown = 0;
    items.forEach(function (li) {
      var ok = (RANK[li.getAttribute("data-severity")] || 0) >= floor &&
        (!wanted || li.getAttribute("data-category") === wanted);
      li.hidden = !ok;
      if (ok) { shown += 1; }
      Array.prototype.forEach.call(linked(li.id), function (el) {
        if (el !== li) { el.classList.toggle("filtered", !ok); }
      });
    });
    // A row stays highlighted while any of its changes is shown.
    Array.prototype.forEach.call(root.querySelectorAll(".row[data-change]"), function (row) {
      var ids = row.getAttribute("data-change").split(" ");
      var any = ids.some(function (id) { var li = document.getElementById(id); return li && !li.hidden; });
      row.classList.toggle("filtered", !any);
    });
    // "Hide identical and reworded" hides only calm rows no listed change points at,
    // so that every entry of the list still leads somewhere.
    Array.prototype.forEach.call(root.querySelectorAll('.row.group[data-verdict="identical"], ' +
        '.row.group[data-verdict="reworded"]'), function (row) {
      row.classList.toggle("calm", !row.hasAttribute("data-change") || row.classList.contains("filtered"));
    });
    root.classList.toggle("hide-calm", calm.checked);
    chips.forEach(function (c) { c.setAttribute("aria-pressed", String(c.getAttribute("data-category") === wanted)); });
    status.textContent = shown + " of " + items.length + " changes shown";
    if (count) { count.textContent = "(" + shown + " shown of " + items.length + ")"; }
  }

  function go(li) {
    if (current) { current.classList.remove("current"); }
    current = li;
    li.classList.add("current");
    // Focus the entry's link, not the entry: Tab then moves on to the next change, and Enter opens it.
    (li.querySelector("a") || li).focus({ preventScroll: true });
    li.scrollIntoView({ block: "nearest" });
    var row = document.getElementById(li.getAttribute("data-target"));
    if (!row) { return; }
    if (flashed) { flashed.classList.remove("flash"); }
    flashed = row;
    row.classList.add("flash");
    row.scrollIntoView({ block: "center" });
    if (history.replaceState) { history.replaceState(null, "", "#" + row.id); }
  }

  function step(delta) {
    var vis = items.filter(function (li) { return !li.hidden; });
    if (!vis.length) { return; }
    var k = current ? vis.indexOf(current) : -1;
    k = k < 0 ? (delta > 0 ? 0 : vis.length - 1) : Math.min(vis.length - 1, Math.max(0, k + delta));
    go(vis[k]);
  }

  items.forEach(function (li) {
    var a = li.querySelector("a");
    if (a) {
      a.addEventListener("click", function (e) { e.preventDefault(); go(li); });
    }
  });
  chips.forEach(function (c) {
    c.addEventListener("click", function () {
      var v = c.getAttribute("data-category");
      cat.value = cat.value === v ? "" : v;
      apply();
    });
  });
  [sev, cat, calm].forEach(function (el) { el.addEventListener("change", apply); });

  document.addEventListener("keydown", function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey) { return; }
    var t = e.target;
    // Typing into a field is not navigation; a checkbox or button takes no letters.
    if (t && t.closest && t.closest('select, textarea, input:not([type="checkbox"])')) { return; }
    var inList = t && t.closest && list && list.contains(t);
    var k = e.key;
    if (k === "j" || k === "n" || (k === "ArrowDown" && inList)) { step(1); }
    else if (k === "k" || k === "p" || (k === "ArrowUp" && inList)) { step(-1); }
    else if (k === "Enter" && inList && t.closest(".change")) { go(t.closest(".change")); }
    else { return; }
    e.preventDefault();
  });
  apply();
}());
