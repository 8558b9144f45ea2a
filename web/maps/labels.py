"""Stop labels that make room for each other on a route map.

A route of thirty stops drawn on a phone puts many numbered badges and arrival times on a few
square centimetres. :class:`Declutter` goes through the stops in route order each time the map
settles (zoom, pan, resize): a stop whose badge would cover one already drawn shrinks to a
plain dot, and an arrival time that would cover a badge or another time is hidden. Zooming in
brings them back. The stop's tooltip and popup keep its number, name and times either way.
"""

from __future__ import annotations

import json

from branca.element import MacroElement
from jinja2 import Template

_CSS = (
    ".leaflet-marker-icon.pm-crowded { z-index: 0 !important; }"
    ".pm-crowded .pm-stop { transform: scale(.45); font-size: 0; }"
    ".pm-crowded .pm-stop-time, .pm-time-hidden .pm-stop-time { visibility: hidden; }"
)

_SCRIPT = """
(function (m) {
  function box(el) { var r = el.getBoundingClientRect();
    return [r.left, r.top, r.right, r.bottom]; }
  function hits(a, b) { return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]; }
  function free(r, placed) {
    for (var i = 0; i < placed.length; i += 1) { if (hits(r, placed[i])) { return false; } }
    return true; }
  function tidy() {
    var icons = m.getContainer().querySelectorAll('.leaflet-marker-pane .pm-icon');
    var placed = [];
    icons.forEach(function (icon) {
      icon.classList.remove('pm-crowded', 'pm-time-hidden'); });
    icons.forEach(function (icon) {
      var badge = icon.querySelector('.pm-stop');
      if (!badge) { return; }
      var b = box(badge);
      if (!free(b, placed)) { icon.classList.add('pm-crowded'); return; }
      placed.push(b);
    });
    icons.forEach(function (icon) {
      var time = icon.querySelector('.pm-stop-time');
      if (!time || icon.classList.contains('pm-crowded')) { return; }
      var t = box(time);
      if (!free(t, placed)) { icon.classList.add('pm-time-hidden'); return; }
      placed.push(t);
    });
  }
  var style = document.createElement('style');
  style.textContent = {{ this.css_js }};
  document.head.appendChild(style);
  m.on('zoomend moveend resize layeradd', function () { window.requestAnimationFrame(tidy); });
  m.whenReady(function () { window.setTimeout(tidy, 0); });
})({{ this._parent.get_name() }});
"""


class Declutter(MacroElement):
    """Shrink crowded stop badges to dots and hide arrival times that would overlap.

    Add it to a ``folium.Map`` that holds :func:`web.maps.route_layer` markers.
    """

    _template = Template("{% macro script(this, kwargs) %}" + _SCRIPT + "{% endmacro %}")

    def __init__(self) -> None:
        super().__init__()
        self._name = "Declutter"
        self.css_js = json.dumps(_CSS)
