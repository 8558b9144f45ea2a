"""Tests that the teams page shows names where a person reads, and ids only as values."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from flask import Flask
    from flask.testing import FlaskClient


def options(page: str, name: str) -> list[tuple[str, str]]:
    """Return (value, text) of the options of the first select called ``name``."""
    select = page.split(f'name="{name}">', 1)[1].split("</select>", 1)[0]
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select)


def test_the_teams_selects_show_names(
    make_web_app: Callable[..., Flask], client_as: Callable[[Flask, str | None], FlaskClient]
) -> None:
    """Tests that the leader select shows members' names, the base post select the posts'
    names (not ``osm-n...`` ids) and the member's group select the groups' names, each with
    the id as its value, and that the rules form shows no setting keys as text."""
    app = make_web_app()
    c = client_as(app, "captain")
    page = c.get("/teams/?lang=zh").get_data(as_text=True)
    leaders = [o for o in options(page, "leader") if o[0]]
    assert leaders and all(text != value and text for value, text in leaders)
    posts = [o for o in options(page, "base_post") if o[0]]
    assert posts and not any(text.startswith("osm-") for _v, text in posts)
    assert any(value.startswith("osm-") for value, _t in posts)
    groups = options(page, "group")
    assert ("A", "一组") in groups
    rules = c.get("/teams/rules?lang=zh").get_data(as_text=True)
    assert "<small>rest.max_nights_in_row</small>" not in rules
    assert 'title="rest.max_nights_in_row"' in rules
