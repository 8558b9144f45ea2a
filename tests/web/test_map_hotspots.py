"""Tests of the district map's hotspot heat layer and its hour-of-week selector."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest

from planner.hotspots.risk import district_risk
from tests.web.conftest import WEB_PASSWORD, signed_in
from web import create_app
from web.accounts.users import create_user
from web.db import new_session
from web.maps import layers as maps
from web.plans.store import get_district
from web.workspace import replace_text

if TYPE_CHECKING:
    from collections.abc import Callable

    from flask import Flask
    from flask.testing import FlaskClient

FRIDAY_22 = 4 * 24 + 22
"""Hour-of-week slot of Friday 22:00-22:59 (slot 0 is Monday 00:00)."""


def embedded_data(page: str) -> dict[str, Any]:
    """The hotspot layer's data as the page's script holds it."""
    found = re.search(r"var D = (\{[^;]*\});", page)
    assert found, "the page has no hotspot data"
    return json.loads(found.group(1))


def expected_classes(values: np.ndarray, quantiles: tuple[float, ...]) -> np.ndarray:
    """Heat classes computed here from the risk: how many quantile bounds a value reaches."""
    flat = values.ravel()
    bounds = np.quantile(flat[flat > 0], quantiles)
    return np.array([0 if v <= 0 else int(np.sum(v >= bounds)) for v in values.ravel()])


def test_levels_round_trip_through_run_length_code() -> None:
    """Tests that heat classes are run-length encoded compactly and decoded back exactly."""
    assert maps.encode_levels([0, 0, 0, 2, 1, 1]) == "a3cb2"
    levels = [0] * 12 + [5] + [3] * 2 + [0] * 154
    code = maps.encode_levels(levels)
    assert code == "a12fd2a154"
    assert maps.decode_levels(code) == levels
    assert maps.decode_levels(maps.encode_levels([])) == []


def test_heat_classes_follow_quantiles_of_positive_risks() -> None:
    """Tests that zero risk is never hot and classes start at quantiles of the positive risks."""
    values = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 5.0])
    bounds = maps.heat_thresholds(values, (0.5, 0.75))
    assert list(bounds) == [3.0, 4.0]
    assert list(maps.heat_class(values, bounds)) == [0, 0, 0, 1, 2, 2]
    assert np.isinf(maps.heat_thresholds(np.zeros(4))).all()
    assert list(maps.heat_class(np.zeros(3), maps.heat_thresholds(np.zeros(3)))) == [0, 0, 0]


def test_heat_levels_refuse_a_table_without_168_hours() -> None:
    """Tests that a risk table of the wrong width is refused with one sentence."""
    import pandas as pd

    with pytest.raises(ValueError, match="168 columns"):
        maps.heat_levels(pd.DataFrame(np.ones((2, 24))))


@pytest.fixture(scope="module")
def shared_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """An app on the default district, shared by the tests that only read the map, with a
    planner (the heat layer needs a login)."""
    folder = tmp_path_factory.mktemp("hotspots")
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "INSTANCE_PATH": str(folder / "instance"),
            "DATABASE_URL": "sqlite:///" + str(folder / "app.sqlite3"),
        }
    )
    with new_session(app) as session:
        create_user(session, "planner", "planner", WEB_PASSWORD, method="pbkdf2:sha256:1000")
    return app


@pytest.fixture
def map_app(make_web_app: Callable[..., Flask]) -> Flask:
    """An app of its own (for a test that edits the district data)."""
    return make_web_app()


def test_embedded_heat_matches_the_risk_of_a_chosen_hour(shared_app: Flask) -> None:
    """Tests that the map page embeds, for Friday 22:00 and the whole week, the heat class of
    every street and key area that the district's risk gives, at the street's own place."""
    page = signed_in(shared_app, "planner").get("/map/frame?lang=zh").get_data(as_text=True)
    data = embedded_data(page)
    with shared_app.app_context():
        district = get_district(shared_app)
    risk = district_risk(district)
    streets = district.streets
    for kind, rows, table in (("s", streets, risk.streets), ("a", district.key_areas, risk.areas)):
        hourly = table.hourly.reindex(rows["id"].astype(str)).to_numpy()
        hour = expected_classes(hourly, maps.HEAT_QUANTILES).reshape(hourly.shape)[:, FRIDAY_22]
        week = expected_classes(hourly.sum(axis=1), maps.HEAT_QUANTILES)
        embedded = {item[0]: maps.decode_levels(item[1]) for item in data[kind]}
        assert all(len(levels) == 169 for levels in embedded.values())
        got_hour = np.array([embedded.get(i, [0] * 169)[FRIDAY_22] for i in range(len(rows))])
        got_week = np.array([embedded.get(i, [0] * 169)[168] for i in range(len(rows))])
        assert (got_hour == hour).all(), kind
        assert (got_week == week).all(), kind
        assert hour.max() >= 3 and (hour == 0).any()  # some places hot, some quiet
    # The riskiest street of Friday 22:00 is drawn where that street is.
    hourly = risk.streets.hourly[FRIDAY_22]
    top = str(hourly.idxmax())
    row = int(np.flatnonzero(streets["id"].astype(str) == top)[0])
    item = next(item for item in data["s"] if item[0] == row)
    lon, lat = streets.geometry.iloc[row].coords[0]
    first = (data["o"][0] + item[2][0], data["o"][1] + item[2][1])
    assert first == (round(lat * 1e5), round(lon * 1e5))


def test_hour_selector_is_labelled_in_the_page_language(shared_app: Flask) -> None:
    """Tests that the map carries the hour selector (days, whole week, 24 hours, steps) in
    Chinese or English, loads nothing from the network, and is listed in the layer control."""
    client = signed_in(shared_app, "planner")
    for lang, words in (
        ("zh", ["热点时段", "全周", "周一", "周五", "周日", "上一小时", "热点风险（按时段）"]),
        ("en", ["Hotspot hour", "Whole week", "Mon", "Fri", "Sun", "Next hour", "Hotspot heat"]),
    ):
        page = client.get(f"/map/frame?lang={lang}").get_data(as_text=True)
        text = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), page)
        for word in words:
            assert word in text, (lang, word)
        assert 'class=\\"pm-hot-day\\"' in page and 'class=\\"pm-hot-hour\\"' in page
        assert text.count("<option value=") >= 8 + 24
        assert "day.onchange = update" in page
        assert not re.search(r"<script[^>]+src=\"(https?:)?//", page)
    other = client.get("/map/frame?lang=en").get_data(as_text=True)
    assert "Hotspot hour" not in client.get("/map/frame?lang=zh").get_data(as_text=True)
    assert "热点时段" not in other


def test_map_follows_an_edit_of_the_hotspot_overrides(
    map_app: Flask, client_as: Callable[[Flask, str | None], FlaskClient]
) -> None:
    """Tests that pinning a quiet street in hotspots.toml makes it hot on the next map page
    (the page is not served stale from the cache)."""
    client = client_as(map_app, "planner")
    before = embedded_data(client.get("/map/frame?lang=en").get_data(as_text=True))
    with map_app.app_context():
        district = get_district(map_app)
    weekly = district_risk(district).streets.hourly.sum(axis=1)
    quiet = str(weekly.idxmin())
    row = int(np.flatnonzero(district.streets["id"].astype(str) == quiet)[0])
    week_class = {item[0]: maps.decode_levels(item[1])[168] for item in before["s"]}
    assert week_class.get(row, 0) == 0
    text = f'[[override]]\nid = "{quiet}"\npin = true\nnote = "test"\n'
    with new_session(map_app) as session:
        replace_text(map_app, session, "hotspots", text, user_id=None)
    after = embedded_data(client.get("/map/frame?lang=en").get_data(as_text=True))
    week_class = {item[0]: maps.decode_levels(item[1])[168] for item in after["s"]}
    assert week_class[row] >= 4
