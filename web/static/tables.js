/* Tables on narrow screens: label each cell with its column heading (data-label) and stack
   the rows (class "stacked", see app.css) of any table too wide for its container, and on a
   phone-sized window of any table of more than three columns. */
(function () {
  "use strict";
  function headings(table) {
    var head = table.tHead && table.tHead.rows.length
      ? table.tHead.rows[table.tHead.rows.length - 1] : null;
    var out = [];
    if (!head) { return out; }
    Array.prototype.forEach.call(head.cells, function (th) {
      var span = th.colSpan || 1;
      for (var i = 0; i < span; i += 1) { out.push(th.textContent.trim()); }
    });
    return out;
  }
  function label(table) {
    var names = headings(table);
    if (!names.length) { return; }
    Array.prototype.forEach.call(table.tBodies, function (body) {
      Array.prototype.forEach.call(body.rows, function (row) {
        var col = 0;
        Array.prototype.forEach.call(row.cells, function (cell) {
          if (!cell.hasAttribute("data-label") && names[col]) {
            cell.setAttribute("data-label", names[col]);
          }
          col += cell.colSpan || 1;
        });
      });
    });
  }
  var PHONE = 640;
  function fit() {
    var tables = document.querySelectorAll("table.grid");
    var phone = window.innerWidth <= PHONE;
    Array.prototype.forEach.call(tables, function (table) {
      table.classList.remove("stacked");
    });
    Array.prototype.forEach.call(tables, function (table) {
      var box = table.parentElement;
      var many = phone && headings(table).length > 3;
      if (many || (box && table.offsetWidth > box.clientWidth + 1)) {
        table.classList.add("stacked");
      }
    });
  }
  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("table.grid"), label);
    fit();
    var timer = null;
    window.addEventListener("resize", function () {
      clearTimeout(timer);
      timer = setTimeout(fit, 150);
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
