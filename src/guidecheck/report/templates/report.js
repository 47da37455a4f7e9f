(function () {
  "use strict";
  var table = document.getElementById("findings-table");
  var box = document.getElementById("filters");
  if (!table || !box) { return; }
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  var texts = rows.map(function (r) { return r.textContent.toLowerCase(); });
  var query = document.getElementById("q");
  var selects = Array.prototype.slice.call(box.querySelectorAll("select"));
  var count = document.getElementById("count");
  function apply() {
    var q = query.value.trim().toLowerCase();
    var wanted = selects.map(function (s) { return [s.getAttribute("data-key"), s.value]; });
    var shown = 0;
    rows.forEach(function (row, i) {
      var ok = !q || texts[i].indexOf(q) !== -1;
      wanted.forEach(function (w) {
        if (ok && w[1] && row.getAttribute("data-" + w[0]) !== w[1]) { ok = false; }
      });
      row.classList.toggle("hidden", !ok);
      if (ok) { shown += 1; }
    });
    count.textContent = "显示 " + shown + " / " + rows.length + " 条";
  }
  query.addEventListener("input", apply);
  selects.forEach(function (s) { s.addEventListener("change", apply); });
}());
