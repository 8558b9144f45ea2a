"""Browser test: the district map's hour selector restyles the hotspot heat in the page."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from web.maps import layers as maps

if TYPE_CHECKING:
    from conftest import LiveServer, PageLog
    from playwright.sync_api import Page

HEAT = [c.lower() for c in maps.HEAT_COLOURS]

VISIBLE_HEAT = """heat => {
  const paths = [...document.querySelectorAll('.leaflet-overlay-pane path')];
  const shows = (p, paint) => heat.includes((p.getAttribute(paint) || '').toLowerCase())
    && Number(p.getAttribute(paint + '-opacity')) > 0;
  return paths.filter(p => shows(p, 'stroke') || shows(p, 'fill')).length;
}"""
"""How many heat shapes (streets and key-area discs) the page shows now."""


def expected_hot(data: dict[str, Any], slot: int) -> int:
    """How many places the embedded data makes hot in ``slot``."""
    return sum(maps.decode_levels(item[1])[slot] > 0 for kind in ("s", "a") for item in data[kind])


def test_hour_selector_restyles_the_heat(
    page: Page, live_server: LiveServer, page_log: PageLog, shot: Any, sign_in: Any
) -> None:
    """Tests that choosing a day and hour (or the whole week, or stepping an hour) shows as
    many heat shapes as the page's data has hot places at that time, with no request to the
    server and no script error; hiding the layer hides its selector."""
    sign_in(page, "planner", lang="en")  # the heat needs a login
    url = f"{live_server.url}/map/frame?lang=en"
    page.goto(url)
    html = page.content()
    found = re.search(r"var D = (\{[^;]*\});", html)
    assert found
    data = json.loads(found.group(1))
    select_day, select_hour = page.locator(".pm-hot-day"), page.locator(".pm-hot-hour")
    assert select_day.input_value() == "w"
    assert page.evaluate(VISIBLE_HEAT, HEAT) == expected_hot(data, maps.WHOLE_WEEK)
    shot(page, "map-hotspots-week", full_page=False)

    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    select_day.select_option("4")
    select_hour.select_option("22")
    friday = page.evaluate(VISIBLE_HEAT, HEAT)
    assert friday == expected_hot(data, 4 * 24 + 22) > 0
    shot(page, "map-hotspots-friday-22", full_page=False)
    select_day.select_option("0")
    select_hour.select_option("4")
    assert page.evaluate(VISIBLE_HEAT, HEAT) == expected_hot(data, 4) < friday
    page.locator(".pm-hot [data-step='-1']").click()  # Monday 04:00 -> 03:00
    assert (select_day.input_value(), select_hour.input_value()) == ("0", "3")
    assert page.evaluate(VISIBLE_HEAT, HEAT) == expected_hot(data, 3)
    assert requests == []

    page.locator(".leaflet-control-layers label", has_text="Hotspot heat").click()
    assert page.locator(".pm-hot").is_hidden()
    assert page.evaluate(VISIBLE_HEAT, HEAT) == 0
    assert page_log.page_errors == [] and page_log.console_errors == []
    assert page_log.blocked == []
