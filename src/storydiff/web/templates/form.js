// The comparison form: Ctrl+Enter submits, files can be dropped on a version,
// and a "Comparing…" line shows while the server works. Without this script
// the form still works (plain POST); it only adds comfort.
(function () {
  "use strict";
  var form = document.getElementById("compare-form");
  if (!form) { return; }
  var button = document.getElementById("compare");
  var busy = document.getElementById("comparing");

  function describe(input, note) {
    var f = input.files && input.files[0];
    note.textContent = f ? "File: " + f.name + " (" + Math.max(1, Math.round(f.size / 1024)) +
      " kB) replaces the text of this version." : "";
  }

  Array.prototype.forEach.call(form.querySelectorAll("fieldset.version"), function (box) {
    var input = box.querySelector('input[type="file"]');
    var note = box.querySelector(".file-note");
    if (!input || !note) { return; }
    input.addEventListener("change", function () { describe(input, note); });
    box.addEventListener("dragover", function (e) {
      if (e.dataTransfer && Array.prototype.indexOf.call(e.dataTransfer.types, "Files") >= 0) {
        e.preventDefault();
        box.classList.add("drop");
      }
    });
    box.addEventListener("dragleave", function (e) {
      if (!box.contains(e.relatedTarget)) { box.classList.remove("drop"); }
    });
    box.addEventListener("drop", function (e) {
      box.classList.remove("drop");
      if (!e.dataTransfer || !e.dataTransfer.files || !e.dataTransfer.files.length) { return; }
      e.preventDefault();
      var dt = new DataTransfer();
      dt.items.add(e.dataTransfer.files[0]);
      input.files = dt.files;
      describe(input, note);
    });
  });
  // A file dropped beside the boxes would make the browser leave the page (and the typed texts).
  ["dragover", "drop"].forEach(function (type) {
    document.addEventListener(type, function (e) {
      if (!e.defaultPrevented && e.dataTransfer && Array.prototype.indexOf.call(e.dataTransfer.types, "Files") >= 0) {
        e.preventDefault();
      }
    });
  });

  form.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      if (form.requestSubmit) { form.requestSubmit(button); } else { button.click(); }
    }
  });
  form.addEventListener("submit", function () {
    button.disabled = true;
    button.textContent = "Comparing…";
    busy.hidden = false;
    form.setAttribute("aria-busy", "true");
  });
  // Coming back with the Back button shows the page as it was left: ready again.
  window.addEventListener("pageshow", function () {
    button.disabled = false;
    button.textContent = "Compare";
    busy.hidden = true;
    form.removeAttribute("aria-busy");
  });
}());
