"""Tests of the district map's sensitive layers (web.district_map.visibility, .views)."""

from __future__ import annotations

import itertools
import re
from html import unescape
from pathlib import Path  # noqa: TC003 (pytest resolves fixture annotations)
from typing import TYPE_CHECKING

import pytest

from web.district_map.visibility import LayerSettingError, public_layers, visible_layers

if TYPE_CHECKING:
    from flask import Flask

    from geodata.bundle import District

NUMBER = re.compile(r"-?\d+\.\d+")


def _positions(page: str) -> list[tuple[float, float]]:
    """Return every pair of neighbouring decimal numbers of a page (coordinates, both orders)."""
    numbers = [float(n) for n in NUMBER.findall(page)]
    pairs = list(itertools.pairwise(numbers))
    return pairs + [(b, a) for a, b in pairs]


def _shown(page: str, lon: float, lat: float, tol: float = 2e-5) -> bool:
    """Return whether the page holds the position (lon, lat), to about 2 m."""
    return any(abs(x - lon) < tol and abs(y - lat) < tol for x, y in _positions(page))


def _points(district: District, layer: str) -> list[tuple[float, float]]:
    gdf = getattr(district, layer)
    return [(p.x, p.y) for p in gdf.geometry.representative_point()]


@pytest.fixture
def app(make_web_app, tiny_bundle: Path) -> Flask:
    return make_web_app(district=tiny_bundle)


def test_anonymous_map_holds_no_camera_post_area_or_heat_position(
    app: Flask, tiny_district: District, client_as
) -> None:
    """Tests that the anonymous district map (page and frame) holds the boundary and streets
    but no camera, post or key-area position or name, no view cone and no hotspot data,
    while a planner's map holds them all."""
    anonymous = client_as(app, None)
    page = unescape(anonymous.get("/map?lang=en").get_data(as_text=True))
    assert "The public map shows the district's boundary and streets only" in page
    frame = anonymous.get("/map/frame?lang=en")
    assert frame.headers["Cache-Control"] == "private" and "Cookie" in frame.headers["Vary"]
    public = frame.get_data(as_text=True)
    planner = client_as(app, "planner").get("/map/frame?lang=en").get_data(as_text=True)
    sensitive = {layer: _points(tiny_district, layer) for layer in ("cameras", "posts")}
    sensitive["key_areas"] = _points(tiny_district, "key_areas")
    for layer, points in sensitive.items():
        assert points, layer
        for lon, lat in points:
            assert not _shown(public, lon, lat), (layer, lon, lat)
            assert _shown(planner, lon, lat), (layer, lon, lat)
        for name in getattr(tiny_district, layer)["name"]:
            assert str(name) not in public, (layer, name)
    assert "Hotspot hour" not in public and "pm-hot-day" not in public
    assert "Hotspot hour" in planner
    for lon, lat in tiny_district.streets.geometry.iloc[0].coords:
        assert _shown(public, lon, lat)  # the streets are drawn


def test_each_role_sees_its_layers(app: Flask, tiny_district: District, client_as) -> None:
    """Tests that viewers see key areas but no cameras, posts or heat; members see cameras and
    posts but no heat; captains see the heat."""
    camera = _points(tiny_district, "cameras")[0]
    post = _points(tiny_district, "posts")[0]
    area = _points(tiny_district, "key_areas")[0]
    frames = {
        role: client_as(app, role).get("/map/frame?lang=en").get_data(as_text=True)
        for role in ("viewer", "member", "captain")
    }
    assert _shown(frames["viewer"], *area) and not _shown(frames["viewer"], *camera)
    assert not _shown(frames["viewer"], *post) and "Hotspot hour" not in frames["viewer"]
    assert _shown(frames["member"], *camera) and _shown(frames["member"], *post)
    assert "Hotspot hour" not in frames["member"]
    assert "Hotspot hour" in frames["captain"]


def test_public_layers_setting(make_web_app, tiny_bundle: Path, client_as) -> None:
    """Tests the PUBLIC_MAP_LAYERS setting: grids and key areas may be added, "none" asks
    every visitor to log in, and sensitive or unknown layers stop the app in one sentence."""
    assert public_layers(None) == {"boundary", "streets"}
    assert public_layers("streets, key_areas") == {"streets", "key_areas"}
    assert visible_layers(None, "none") == frozenset()
    with pytest.raises(LayerSettingError, match=r"^PUBLIC_MAP_LAYERS may not show cameras, heat"):
        public_layers("streets,heat,cameras")
    with pytest.raises(LayerSettingError, match=r"names roads, which is not a map layer\.$"):
        public_layers("roads")
    with pytest.raises(LayerSettingError, match="may not show posts"):
        make_web_app(district=tiny_bundle, PUBLIC_MAP_LAYERS="posts")

    closed = make_web_app(district=tiny_bundle, PUBLIC_MAP_LAYERS="none")
    for url in ("/map", "/map/frame"):
        response = client_as(closed, None).get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client_as(closed, "viewer").get("/map").status_code == 200
