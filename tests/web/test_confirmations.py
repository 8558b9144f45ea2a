"""Tests that every form removing something asks first (data-confirm, see static/confirm.js)."""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING

from tests.web.conftest import CSRF

if TYPE_CHECKING:
    from collections.abc import Callable

    from flask import Flask
    from flask.testing import FlaskClient

FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S)


def removing_forms(page: str) -> list[tuple[str, str]]:
    """Return (op or action, data-confirm question or "") of each form that removes something."""
    out = []
    for attrs, body in FORM.findall(page):
        op = re.search(r'name="op" value="(remove_[a-z_]+)"', body)
        csrf_op = re.search(r'name="csrf_op" value="(remove_[a-z_]+)"', body)
        action = re.search(r'action="([^"]*(?:delete|cancel)[^"]*)"', attrs)
        what = op or csrf_op or action
        if what is None:
            continue
        question = re.search(r'data-confirm="([^"]*)"', attrs)
        out.append((what.group(1), html.unescape(question.group(1)) if question else ""))
    return out


def test_removing_members_vehicles_groups_and_leave_asks_first(
    make_web_app: Callable[..., Flask], client_as: Callable[[Flask, str | None], FlaskClient]
) -> None:
    """Tests that each remove button of the teams, leave and rules pages sits in a form that
    asks a question naming what it removes, in the page's language."""
    app = make_web_app()
    c = client_as(app, "captain")
    added = c.post(
        "/teams/leave",
        data={"op": "add_leave", "who": "C2", "from": "2026-12-20", "csrf_token": CSRF},
    )
    assert added.status_code in (200, 302)
    teams = removing_forms(c.get("/teams/?lang=zh").get_data(as_text=True))
    ops = {op for op, _q in teams}
    assert {"remove_group", "remove_member", "remove_vehicle"} <= ops
    assert all(q for _op, q in teams), [op for op, q in teams if not q]
    assert any(q.startswith("确定删除队员“") for op, q in teams if op == "remove_member")
    assert any("EB01" in q for op, q in teams if op == "remove_vehicle")
    leave = removing_forms(c.get("/teams/leave?lang=en").get_data(as_text=True))
    assert leave and {op for op, _q in leave} == {"remove_leave"}
    assert all(q.startswith("Remove the leave of ") for _op, q in leave)
    assert any("2026-12-20" in q for _op, q in leave)
    rules = removing_forms(c.get("/teams/rules").get_data(as_text=True))
    assert rules and all(q for _op, q in rules)


def test_deleting_a_key_area_asks_first(
    make_web_app: Callable[..., Flask], client_as: Callable[[Flask, str | None], FlaskClient]
) -> None:
    """Tests that the delete form of a key area asks, naming the area."""
    app = make_web_app()
    c = client_as(app, "planner")
    listing = c.get("/areas/").get_data(as_text=True)
    pages = {"new", "map", "import", "hotspots", "incidents", "export.geojson"}
    ids = [i for i in re.findall(r'href="/areas/([^"/?]+)"', listing) if i not in pages]
    assert ids
    forms = removing_forms(c.get(f"/areas/{ids[0]}").get_data(as_text=True))
    assert len(forms) == 1 and forms[0][1].startswith("确定删除重点部位“")
