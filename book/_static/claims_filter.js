// Claims ledger filter (book/generate.py writes the tables): above every table whose rows carry a status badge
// (span.claim-status[data-status]) it puts a status menu, and a work menu when the rows carry a
// span.claim-paper[data-paper]; choosing hides the other rows. Plain DOM, no network: the site is offline.
(function () {
  "use strict";
  function menu(name, values, onChange) {
    var label = document.createElement("label");
    label.textContent = name;
    var select = document.createElement("select");
    [["", "all"]].concat(values.map(function (v) { return [v, v]; })).forEach(function (pair) {
      var option = document.createElement("option");
      option.value = pair[0];
      option.textContent = pair[1];
      select.appendChild(option);
    });
    select.addEventListener("change", onChange);
    label.appendChild(select);
    return { label: label, select: select };
  }
  function unique(rows, selector, attr) {
    var seen = [];
    rows.forEach(function (row) {
      var el = row.querySelector(selector);
      var value = el ? el.getAttribute(attr) : null;
      if (value && seen.indexOf(value) < 0) { seen.push(value); }
    });
    return seen;
  }
  function setup(table) {
    var rows = Array.prototype.slice.call(table.querySelectorAll("tbody tr"));
    rows = rows.filter(function (row) { return row.querySelector("span.claim-status[data-status]"); });
    if (rows.length < 2) { return; }
    var bar = document.createElement("div");
    bar.className = "claim-filter";
    var count = document.createElement("span");
    count.className = "claim-filter-count";
    var menus = [];
    function apply() {
      var shown = 0;
      rows.forEach(function (row) {
        var ok = menus.every(function (m) {
          var el = row.querySelector(m.selector);
          return !m.select.value || (el && el.getAttribute(m.attr) === m.select.value);
        });
        row.style.display = ok ? "" : "none";
        shown += ok ? 1 : 0;
      });
      count.textContent = "showing " + shown + " of " + rows.length;
    }
    var papers = unique(rows, "span.claim-paper[data-paper]", "data-paper");
    if (papers.length > 1) {
      var p = menu("work", papers, apply);
      menus.push({ select: p.select, selector: "span.claim-paper[data-paper]", attr: "data-paper" });
      bar.appendChild(p.label);
    }
    var s = menu("status", unique(rows, "span.claim-status[data-status]", "data-status"), apply);
    menus.push({ select: s.select, selector: "span.claim-status[data-status]", attr: "data-status" });
    bar.appendChild(s.label);
    bar.appendChild(count);
    var anchor = table.closest(".pst-scrollable-table-container") || table;
    anchor.parentNode.insertBefore(bar, anchor);
    apply();
  }
  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("table"), setup);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
