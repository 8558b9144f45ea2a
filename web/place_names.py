"""Names of a district's places as a person reads them, not ``osm-n3245676480`` ids.

A key area, camera, post, grid or street shows its name in the page's language; a place with
no name shows its kind or category and the nearest named street ("学校（中山路附近）").
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

from web.i18n import current_lang, translate

if TYPE_CHECKING:
    import geopandas as gpd

    from geodata import District

NEAR_STREET_M = 300.0
"""A named street further than this (metres) from a place is not used to label it."""

_NEAREST: dict[int, tuple[weakref.ref[District], dict[str, str]]] = {}
"""Nearest streets per loaded district (by identity: a district is not hashable)."""


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):  # NaN of an empty cell
        return ""
    return str(value).strip()


def _nearest_streets(district: District) -> dict[str, str]:
    """Return place id -> name of the nearest named street within :data:`NEAR_STREET_M`."""
    cached = _NEAREST.get(id(district))
    if cached is not None and cached[0]() is district:
        return cached[1]
    out: dict[str, str] = {}
    streets = district.streets
    if len(streets) and "name" in streets:
        named = streets[[bool(_text(n)) for n in streets["name"]]]
        if len(named):
            crs = district.work_crs
            lines = named.to_crs(crs)
            for layer in (district.key_areas, district.cameras, district.posts, district.grids):
                if not len(layer):
                    continue
                points = layer.to_crs(crs).geometry.representative_point()
                near, far = lines.sindex.nearest(
                    points, max_distance=NEAR_STREET_M, return_all=False
                )
                for i, k in zip(near, far, strict=True):
                    out[str(layer["id"].iloc[i])] = _text(named["name"].iloc[k])
    key = id(district)
    _NEAREST[key] = (weakref.ref(district, lambda _ref: _NEAREST.pop(key, None)), out)
    return out


def _own_name(row: Any, lang: str) -> str:
    name, name_en = _text(row.get("name")), _text(row.get("name_en"))
    return (name_en or name) if lang == "en" else (name or name_en)


def _category(category: str, lang: str) -> str:
    from web.maps import category_style

    if not category:
        return translate("place_kind_key_area", lang)
    return category_style(category).name(lang)


def _with_street(what: str, street: str, lang: str) -> str:
    return translate("place_near_street", lang, what=what, street=street) if street else what


def _layer_names(
    layer: gpd.GeoDataFrame, kind: str, streets: dict[str, str], lang: str
) -> dict[str, str]:
    out: dict[str, str] = {}
    if not len(layer):
        return out
    columns = [c for c in ("id", "name", "name_en", "category") if c in layer]
    for row in layer[columns].to_dict("records"):
        pid = str(row["id"])
        name = _own_name(row, lang)
        if not name:
            what = (
                _category(_text(row.get("category")), lang)
                if kind == "key_area"
                else translate(f"place_kind_{kind}", lang)
            )
            name = _with_street(what, streets.get(pid, ""), lang)
        out[pid] = name
    return out


def place_names(district: District, lang: str | None = None) -> dict[str, str]:
    """Return place id -> the name a person reads, for every place of ``district``.

    Parameters
    ----------
    district
        The district whose key areas, cameras, posts, grids and streets are named.
    lang
        "zh" or "en"; None for the request's language.

    Returns
    -------
    dict of str to str
        Key areas, cameras, posts and grids: their name, else their category or kind and the
        nearest named street; streets: their name, else "unnamed street".
    """
    lang = lang or current_lang()
    streets = _nearest_streets(district)
    out: dict[str, str] = {}
    if len(district.streets):
        for row in district.streets[[c for c in ("id", "name") if c in district.streets]].to_dict(
            "records"
        ):
            out[str(row["id"])] = _text(row.get("name")) or translate("place_kind_street", lang)
    for layer, kind in (
        (district.grids, "grid"),
        (district.posts, "post"),
        (district.cameras, "camera"),
        (district.key_areas, "key_area"),
    ):
        out.update(_layer_names(layer, kind, streets, lang))
    return out


def place_name(district: District, place_id: str, lang: str | None = None) -> str:
    """Return one place's name (:func:`place_names`), or its id when the district has none."""
    return place_names(district, lang).get(str(place_id), str(place_id))
