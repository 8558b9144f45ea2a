"""Tests of teams and rules edits in words."""

from __future__ import annotations

import pytest
from flask import Flask

from web.edit_words import toml_change_rows

TEAMS = """
[[groups]]
id = "A"
name = "一组"
name_en = "Group A"
leader = "A1"
members = ["A1", "A2"]

[[members]]
id = "A1"
name = "郭婷"
group = "A"
phone = "1"

[[members]]
id = "A2"
name = "孙磊"
group = "A"
phone = "2"
"""

RULES = """
[rest]
min_rest_hours = 12

[[leave]]
member = "A2"
from = "2026-12-14"
to = "2026-12-16"
"""


@pytest.fixture
def en():
    app = Flask(__name__)
    app.secret_key = "test"
    with app.test_request_context("/?lang=en"):
        yield


def test_teams_changes_name_the_member_and_field(en) -> None:
    """Tests that a new leader, a removed member and an added one read with names."""
    after = TEAMS.replace('leader = "A1"', 'leader = "A2"').replace(
        '[[members]]\nid = "A1"\nname = "郭婷"\ngroup = "A"\nphone = "1"\n', ""
    )
    after += '\n[[members]]\nid = "A3"\nname = "王勇"\ngroup = "A"\n'
    rows = toml_change_rows(TEAMS, after, lang="en")
    assert ("Groups Group A · Leader", "郭婷", "孙磊") in rows
    assert ("Members 郭婷", "removed", "") in rows
    assert ("Members 王勇", "", "added") in rows
    assert not any("A1" in cell or "A3" in cell for row in rows for cell in row)


def test_rules_changes_name_the_setting_and_the_entry(en) -> None:
    """Tests that a changed limit names its setting, a moved leave reads as one change with
    the member's name, and a broken file gives None (the page then shows the lines)."""
    after = RULES.replace("= 12", "= 11").replace("2026-12-14", "2026-12-13")
    rows = toml_change_rows(RULES, after, {"A2": "孙磊"}, lang="en")
    assert rows[0] == ("Rest rules · Minimum rest between shifts (h)", "12", "11")
    assert rows[1][0] == "Leave" and "孙磊" in rows[1][1] and "2026-12-13" in rows[1][2]
    assert len(rows) == 2
    assert toml_change_rows(RULES, RULES) == []
    assert toml_change_rows(RULES, "[rest\n") is None
