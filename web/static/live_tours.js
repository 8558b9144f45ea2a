// The live view of today's tours: fetch /live/data.json every few seconds and redraw the board.
(function () {
  "use strict";
  var root = document.getElementById("live");
  if (!root) { return; }
  var url = root.getAttribute("data-url");
  var every = Math.max(5, parseInt(root.getAttribute("data-refresh"), 10) || 30) * 1000;

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function counts(list, values, labels, all) {
    Object.keys(labels).forEach(function (s) {
      if (!all && !values[s]) { return; }
      var li = el("li", "live-" + s, labels[s] + " ");
      li.appendChild(el(all ? "strong" : "span", null, String(values[s])));
      list.appendChild(li);
    });
  }

  function unit(u, board) {
    var art = el("article", "live-unit" + (u.alert ? " alert" : "") + (u.running ? " running" : ""));
    art.id = "unit-" + u.id;
    art.appendChild(el("h2", null, u.group + (u.unit ? " · " + u.unit : "")));
    art.appendChild(el("p", "hint", [u.shift, u.state, u.mode, u.crew].join(" · ")));
    var ul = el("ul", "live-counts");
    counts(ul, u.counts, board.labels, false);
    art.appendChild(ul);
    if (u.next) { art.appendChild(el("p", "live-next", u.next)); }
    var det = el("details");
    var old = document.getElementById(art.id);
    var wasOpen = old && old.querySelector("details") ? old.querySelector("details").open : u.alert;
    det.open = Boolean(wasOpen || u.alert);
    det.appendChild(el("summary", null, board.points_label));
    var ol = el("ol", "live-points");
    u.points.forEach(function (p) {
      var li = el("li", "live-" + p.status);
      li.appendChild(el("span", "live-tag", p.state));
      li.appendChild(document.createTextNode(" " + p.title + " "));
      li.appendChild(el("small", null, p.when));
      ol.appendChild(li);
    });
    det.appendChild(ol);
    var link = el("p");
    var a = el("a", null, board.route_label);
    a.href = u.url;
    link.appendChild(a);
    det.appendChild(link);
    art.appendChild(det);
    return art;
  }

  function draw(board) {
    document.getElementById("live-day").textContent = board.day;
    document.getElementById("live-updated").textContent = board.updated;
    var totals = document.getElementById("live-totals");
    totals.replaceChildren();
    counts(totals, board.totals, board.labels, true);
    var units = document.getElementById("live-units");
    var own = board.units.filter(function (u) { return !u.grid; });
    var grid = board.units.filter(function (u) { return u.grid; });
    units.replaceChildren.apply(units, own.map(function (u) { return unit(u, board); }));
    var fold = document.getElementById("live-grid");
    var gridUnits = document.getElementById("live-grid-units");
    gridUnits.replaceChildren.apply(gridUnits, grid.map(function (u) { return unit(u, board); }));
    document.getElementById("live-grid-label").textContent = board.grid_label;
    fold.hidden = !grid.length;
    if (board.grid_alert) { fold.open = true; }
    if (!board.units.length) {
      var p = el("p", null, board.empty);
      p.id = "live-empty";
      units.appendChild(p);
    }
    root.setAttribute("data-drawn", String((parseInt(root.getAttribute("data-drawn"), 10) || 0) + 1));
  }

  function refresh() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
      .then(draw)
      .catch(function () {
        document.getElementById("live-updated").textContent = root.getAttribute("data-stale");
      });
  }

  window.setInterval(refresh, every);
  root.liveRefresh = refresh;
}());
