"""The key-area editor's map: the district's streets with its key areas editable by Leaflet.draw."""

from __future__ import annotations

from typing import Any

import folium
from branca.element import MacroElement
from folium.plugins import Draw
from jinja2 import Template

from geodata.categories import CATEGORIES
from web.i18n import translate
from web.maps.assets import local_html
from web.maps.layers import (
    base_map,
    boundary_layer,
    category_style,
    district_bounds,
    district_title,
    streets_layers,
)


class EditableAreas(MacroElement):
    """Puts the key areas into the Draw plugin's layer group and reports drawing to the page."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>
          /* Small edit handles, also on touch screens: the district has hundreds of areas. */
          .leaflet-editing-icon { width: 10px !important; height: 10px !important;
            margin-left: -5px !important; margin-top: -5px !important; border-radius: 2px; }
        </style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        (function () {
          var map = {{ this._parent.get_name() }};
          var group = {{ this.group.get_name() }};
          var colours = {{ this.colours|tojson }};
          {%- if this.lang == "zh" %}
          (function (d) {
            var b = d.draw.toolbar.buttons, a = d.draw.toolbar.actions, h = d.draw.handlers;
            b.polygon = "画多边形"; b.rectangle = "画矩形"; b.marker = "放置点";
            a.title = "取消绘制"; a.text = "取消";
            d.draw.toolbar.finish = {title: "完成绘制", text: "完成"};
            d.draw.toolbar.undo = {title: "删除最后一个点", text: "删除最后一点"};
            h.marker.tooltip.start = "点击地图放置点";
            h.polygon.tooltip = {start: "点击开始画形状", cont: "点击继续画形状",
              end: "点击第一个点闭合形状"};
            h.rectangle.tooltip.start = "按住并拖动画矩形";
            h.simpleshape.tooltip.end = "松开鼠标完成";
            var e = d.edit.toolbar;
            e.actions.save = {title: "保存修改", text: "保存"};
            e.actions.cancel = {title: "取消编辑，放弃所有修改", text: "取消"};
            e.actions.clearAll = {title: "清除所有图层", text: "全部清除"};
            e.buttons = {edit: "移动或修改形状", editDisabled: "没有可编辑的部位",
              remove: "删除部位", removeDisabled: "没有可删除的部位"};
            d.edit.handlers.edit.tooltip = {text: "拖动控制点或标记进行修改",
              subtext: "点“取消”放弃修改"};
            d.edit.handlers.remove.tooltip = {text: "点击要删除的部位"};
          })(L.drawLocal);
          {%- endif %}
          function colour(f) { return colours[f.properties.category] || "#555555"; }
          L.geoJSON({{ this.data|tojson }}, {
            pointToLayer: function (f, latlng) {
              return L.circleMarker(latlng, {radius: 7, color: "#ffffff", weight: 2,
                fillColor: colour(f), fillOpacity: 0.95});
            },
            style: function (f) {
              return {color: colour(f), weight: 2, fillColor: colour(f), fillOpacity: 0.25};
            },
            onEachFeature: function (f, layer) {
              layer.feature = f;
              var label = document.createElement("span");  // names are text, never HTML
              label.textContent = (f.properties.name || "") + " · " + f.properties.id;
              layer.bindTooltip(label);
              group.addLayer(layer);
            }
          });
          function page() {
            return window.parent && window.parent !== window ? window.parent : null;
          }
          map.on("draw:created", function (e) {
            var p = page();
            if (p && p.patrolAreaDrawn) { p.patrolAreaDrawn(e.layer.toGeoJSON().geometry); }
          });
          map.on("draw:edited", function (e) {
            var items = [];
            e.layers.eachLayer(function (layer) {
              if (layer.feature) {
                items.push({id: layer.feature.properties.id, geometry: layer.toGeoJSON().geometry});
              }
            });
            var p = page();
            if (p && p.patrolAreasEdited) { p.patrolAreasEdited(items); }
          });
          map.on("draw:deleted", function (e) {
            var ids = [];
            e.layers.eachLayer(function (layer) {
              if (layer.feature) { ids.push(layer.feature.properties.id); }
            });
            var p = page();
            if (p && p.patrolAreasDeleted) { p.patrolAreasDeleted(ids); }
          });
        })();
        {% endmacro %}
        """
    )

    def __init__(
        self,
        group: folium.FeatureGroup,
        data: dict[str, Any],
        colours: dict[str, str],
        lang: str = "zh",
    ) -> None:
        super().__init__()
        self._name = "EditableAreas"
        self.group = group
        self.data = data
        self.colours = colours
        self.lang = lang


def editor_map(district: Any, areas: dict[str, Any], lang: str) -> folium.Map:
    """Return the editor's map: streets, boundary, the key areas editable by Leaflet.draw.

    Parameters
    ----------
    district
        The working ``geodata.District``.
    areas
        Its key areas as a GeoJSON feature collection (``web.areas.edits.area_collection``).
    lang
        "zh" or "en".

    Returns
    -------
    folium.Map
    """
    m = base_map(district_bounds(district), title=district_title(district, lang))
    boundary_layer(district.boundary, lang=lang).add_to(m)
    for layer in streets_layers(district.streets, lang=lang):
        layer.control = False
        layer.add_to(m)
    group = folium.FeatureGroup(name=translate("areas_title", lang), control=False)
    group.add_to(m)
    colours = {key: category_style(key).colour for key in CATEGORIES}
    EditableAreas(group, areas, colours, lang).add_to(m)
    Draw(
        feature_group=group,
        show_geometry_on_click=False,
        position="topleft",
        draw_options={
            "polyline": False,
            "circle": False,
            "circlemarker": False,
            "rectangle": True,
            "marker": True,
            "polygon": {"allowIntersection": False, "showArea": False},
        },
        edit_options={"poly": {"allowIntersection": False}},
    ).add_to(m)
    return m


def editor_page(district: Any, areas: dict[str, Any], lang: str, *, prefix: str) -> str:
    """Return the editor's map page, its libraries loaded from ``prefix`` (:func:`editor_map`)."""
    return local_html(editor_map(district, areas, lang), prefix)
