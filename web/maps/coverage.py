"""The coverage map of a plan: grids by share of their needed patrol, blind spots marked."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import folium

from web.i18n import translate
from web.maps.assets import layer_control, local_html
from web.maps.layers import (
    base_map,
    boundary_layer,
    district_bounds,
    feature_collection,
    legend,
    streets_layers,
)

if TYPE_CHECKING:
    from planner.plan.document import CoverageRow, PlanDocument

SHARE_CLASSES: tuple[tuple[float, str], ...] = (
    (0.0, "#d7301f"),
    (0.5, "#fc8d59"),
    (1.0, "#fee08b"),
    (float("inf"), "#91cf60"),
)
"""Colour of a place by its planned share of the needed patrol: (upper bound, colour); a share
of 0 is blind, at least 1 is fully covered."""

BLIND_COLOUR = "#b30000"


def _t(key: str, lang: str) -> str:
    return translate(f"cov_{key}", lang)


def share_colour(row: CoverageRow) -> str | None:
    """Return the colour of a coverage row by its share, or None when nothing is needed."""
    if row.needed_minutes <= 0:
        return None
    if row.planned_visits == 0:
        return SHARE_CLASSES[0][1]
    share = row.planned_minutes / row.needed_minutes
    for bound, colour in SHARE_CLASSES[1:]:
        if share < bound:
            return colour
    return SHARE_CLASSES[-1][1]


def is_blind(row: CoverageRow) -> bool:
    """Return whether a place needs patrol but no visit is planned there."""
    return row.needed_minutes > 0 and row.planned_visits == 0


def _popup(row: CoverageRow, lang: str) -> str:
    cells = [
        ("name", row.name or row.id),
        ("needed", str(row.needed_minutes)),
        ("planned", str(row.planned_minutes)),
        ("visits", str(row.planned_visits)),
    ]
    body = "".join(
        f"<tr><th>{html.escape(_t(k, lang))}</th><td>{html.escape(v)}</td></tr>" for k, v in cells
    )
    return f'<table class="foliumpopup">{body}</table>'.replace("`", "&#96;").replace("$", "&#36;")


def coverage_map(doc: PlanDocument, district: Any, *, lang: str = "zh") -> folium.Map:
    """Return the plan's coverage map over the district.

    Grids are filled by their planned share of the needed patrol; key areas are dots in the
    same colours; blind spots (needed, no visit planned) get their own layer of large red rings.
    Places of the plan that the district does not have are left out.

    Parameters
    ----------
    doc
        The plan; its ``coverage`` rows are drawn.
    district
        The ``geodata.District`` the plan is for.
    lang
        "zh" or "en".

    Returns
    -------
    folium.Map
    """
    m = base_map(
        district_bounds(district),
        attribution=doc.district.attribution,
        padding=(190, 200) if lang == "zh" else (190, 250),
    )
    boundary_layer(district.boundary, lang=lang).add_to(m)
    for group in streets_layers(district.streets, lang=lang):
        group.add_to(m)
    rows = {(c.level, c.id): c for c in doc.coverage}

    grids = folium.FeatureGroup(name=_t("grids", lang), show=True)
    geoms, props = [], []
    for gid, geom in zip(district.grids["id"].astype(str), district.grids.geometry, strict=True):
        row = rows.get(("grid", gid))
        if row is None:
            continue
        geoms.append(geom)
        props.append(
            {
                "id": gid,
                "name": row.name or gid,
                "needed": row.needed_minutes,
                "planned": row.planned_minutes,
                "colour": share_colour(row) or "#ffffff",
            }
        )
    if geoms:
        folium.GeoJson(
            feature_collection(geoms, props),
            style_function=lambda f: {
                "color": "#666666",
                "weight": 0.8,
                "fillColor": f["properties"]["colour"],
                "fillOpacity": 0.45,
            },
            tooltip=folium.GeoJsonTooltip(
                fields=["name", "needed", "planned"],
                aliases=[_t("name", lang), _t("needed", lang), _t("planned", lang)],
            ),
        ).add_to(grids)
    grids.add_to(m)

    areas = folium.FeatureGroup(name=_t("areas", lang), show=True)
    blind = folium.FeatureGroup(name=_t("blind", lang), show=True)
    key_areas = district.key_areas
    for aid, geom in zip(key_areas["id"].astype(str), key_areas.geometry, strict=True):
        row = rows.get(("area", aid))
        if row is None or share_colour(row) is None:
            continue
        point = geom if geom.geom_type == "Point" else geom.representative_point()
        location = [round(point.y, 6), round(point.x, 6)]
        folium.CircleMarker(
            location,
            radius=5,
            color="#333333",
            weight=1,
            fill=True,
            fill_color=share_colour(row),
            fill_opacity=0.9,
            popup=folium.Popup(_popup(row, lang), max_width=300),
            tooltip=html.escape(row.name or aid),
        ).add_to(areas)
        if is_blind(row):
            folium.CircleMarker(
                location,
                radius=12,
                color=BLIND_COLOUR,
                weight=3,
                fill=False,
                popup=folium.Popup(_popup(row, lang), max_width=300),
                tooltip=html.escape(f"{_t('blind', lang)}: {row.name or aid}"),
                class_name="pm-blind",
            ).add_to(blind)
    areas.add_to(m)
    blind.add_to(m)
    swatch = '<span style="display:inline-block;width:14px;height:14px;background:{}"></span>'
    rows_legend = [
        (swatch.format(colour), _t(key, lang))
        for (_b, colour), key in zip(SHARE_CLASSES, ("none", "half", "most", "full"), strict=True)
    ]
    ring = (
        '<span style="display:inline-block;width:12px;height:12px;'
        f'border:3px solid {BLIND_COLOUR};border-radius:50%"></span>'
    )
    rows_legend.append((ring, _t("blind", lang)))
    legend(rows_legend, title=_t("legend", lang)).add_to(m)
    return layer_control(m, collapsed=False)


def coverage_page(doc: PlanDocument, district: Any, *, lang: str, prefix: str) -> str:
    """Return the coverage map page, its libraries loaded from ``prefix`` (:func:`coverage_map`)."""
    return local_html(coverage_map(doc, district, lang=lang), prefix)
