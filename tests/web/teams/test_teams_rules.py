"""Tests of the teams and rules service: edits keep comments, refusals change nothing, undo."""

from __future__ import annotations

import datetime as dt
import json
import re
import tomllib
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import func, select

from planner.patrol.roster import build_patrol_problem
from planner.roster.solve import RosterParams, solve_roster
from tests.web.conftest import WEB_PASSWORD, WEB_ROLES
from web import create_app
from web.accounts.users import create_user
from web.db import Edit, find_user, new_session
from web.teams import store as tr
from web.workspace import ensure, read_text, replace_text, undo

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from flask import Flask

# Documentation comments added to the shipped teams.toml (which has only a title), so that
# the teams edits have comments to keep: before sections, inside a table and at line ends.
TEAMS_COMMENTS = (
    ('[[groups]]\nid = "A"', "# Groups patrol together; ids are used by rules.toml.\n"),
    ('[[members]]\nid = "A1"', "# Members: phone numbers are for the duty desk only.\n"),
    ('[[vehicles]]\nid = "BK01"', "# The vehicle pool shared by the team.\n"),
)


def full_line_comments(text: str) -> list[str]:
    """Return the comment lines of a TOML text, in order."""
    return [line.strip() for line in text.splitlines() if line.strip().startswith("#")]


def edit_count(app: Flask) -> int:
    with new_session(app) as session:
        return int(session.scalar(select(func.count()).select_from(Edit)) or 0)


def shared_web_app(folder: Path) -> Flask:
    """Return an app in ``folder`` with one user per role (as ``make_web_app`` makes them)."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "INSTANCE_PATH": str(folder / "instance"),
            "DATABASE_URL": "sqlite:///" + str(folder / "app.sqlite3"),
        }
    )
    with new_session(app) as session:
        for role in WEB_ROLES:
            create_user(session, role, role, WEB_PASSWORD, method="pbkdf2:sha256:1000")
    return app


@pytest.fixture(scope="module")
def quiet_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """One app for the tests that change nothing (reading and refusals), made once."""
    return shared_web_app(tmp_path_factory.mktemp("teams_rules"))


@pytest.fixture
def app(make_web_app: Callable[..., Flask]) -> Flask:
    """A fresh app (the working copy as shipped)."""
    return make_web_app()


@pytest.fixture
def commented_app(make_web_app: Callable[..., Flask]) -> Flask:
    """An app whose working teams.toml carries documentation comments (saved as an edit)."""
    app = make_web_app()
    text = read_text(app, "teams.toml")
    for anchor, comment in TEAMS_COMMENTS:
        assert anchor in text
        text = text.replace(anchor, comment + anchor, 1)
    text = text.replace('leader = "A1"\n', 'leader = "A1"  # chosen by the captain\n', 1)
    with new_session(app) as session:
        assert replace_text(app, session, "teams", text, user_id=None) is not None
    return app


def captain_id(app: Flask) -> int:
    with new_session(app) as session:
        user = find_user(session, "captain")
        assert user is not None
        return user.id


def run(app: Flask, op: Callable[..., Any], *args: Any) -> Edit | None:
    """Call a service operation as the captain."""
    with new_session(app) as session:
        edit = op(app, session, *args, user_id=captain_id(app))
        if edit is not None:
            session.refresh(edit)
            session.expunge(edit)
        return edit


def parsed(app: Flask, name: str) -> dict[str, Any]:
    return tomllib.loads(read_text(app, name))


def group(app: Flask, gid: str) -> dict[str, Any]:
    return next(g for g in parsed(app, "teams.toml")["groups"] if g["id"] == gid)


def member_row(app: Flask, mid: str) -> dict[str, Any] | None:
    return next((m for m in parsed(app, "teams.toml")["members"] if m["id"] == mid), None)


# ---------------------------------------------------------------------------------------------
# Reading


def test_plain_data_of_the_default_district(quiet_app: Flask) -> None:
    """Tests that teams, rules and the leave calendar read as plain data from the working copy."""
    app = quiet_app
    teams = tr.teams_data(app)
    assert [g["id"] for g in teams["groups"]] == ["A", "B", "C", "D"]
    assert [m["id"] for m in teams["members"] if m["group"] == "B"] == ["B1", "B2", "B3", "B4"]
    assert tr.vehicle_counts(teams) == {"foot": 0, "bicycle": 8, "ebike": 15, "motorcycle": 2}
    rules = tr.rules_data(app)
    assert rules["horizon"] == {"start": "2026-12-07", "days": 28}
    assert rules["reserves"] == [{"id": "R1", "name": "备勤 reserve 1"}]
    assert rules["leave"][0]["key"] == "B2|2026-12-14|2026-12-16"
    cal = tr.leave_calendar(app)
    assert len(cal["days"]) == 28 and len(cal["rows"]) == 17  # 16 members and the reserve
    b2 = next(r for r in cal["rows"] if r["member"] == "B2")
    away = [cal["days"][i] for i, c in enumerate(b2["cells"]) if c]
    assert away == ["2026-12-14", "2026-12-15", "2026-12-16"]
    assert b2["cells"][7] == "annual leave"
    assert cal["weekend"][:7] == [False] * 5 + [True, True]  # 7 Dec 2026 is a Monday


# ---------------------------------------------------------------------------------------------
# Each operation changes the file as expected and keeps its comments


def _teams_ops(app: Flask) -> None:
    run(app, tr.add_group, {"id": "E", "name": "五组", "default_mode": "bicycle"})
    e = group(app, "E")
    assert e == {"id": "E", "name": "五组", "default_mode": "bicycle", "members": []}
    run(app, tr.update_group, "A", {"name": "一组甲", "leader": "A2", "base_post": "PR02"})
    a = group(app, "A")
    assert (a["name"], a["leader"], a["base_post"]) == ("一组甲", "A2", "PR02")
    run(app, tr.add_member, {"id": "E1", "name": "张三", "group": "E", "phone": "138"})
    assert group(app, "E")["members"] == ["E1"]
    assert member_row(app, "E1") == {
        "id": "E1",
        "name": "张三",
        "group": "E",
        "role": "member",
        "phone": "138",
        "licences": [],
    }
    run(app, tr.move_member, "A1", "E")  # A1 no longer leads A
    assert group(app, "E")["members"] == ["E1", "A1"]
    assert "A1" not in group(app, "A")["members"]
    assert member_row(app, "A1")["group"] == "E"  # type: ignore[index]
    run(app, tr.update_member, "A1", {"role": "leader", "phone": "139"})
    assert member_row(app, "A1")["role"] == "leader"  # type: ignore[index]
    run(app, tr.remove_member, "A3")
    assert "A3" not in group(app, "A")["members"] and member_row(app, "A3") is None
    run(app, tr.add_vehicle, {"id": "MC03", "mode": "motorcycle", "name": "摩托车 3"})
    run(app, tr.update_vehicle, "BK01", {"mode": "ebike"})
    run(app, tr.remove_vehicle, "MC01")
    counts = tr.vehicle_counts(tr.teams_data(app))
    assert counts == {"foot": 0, "bicycle": 7, "ebike": 16, "motorcycle": 2}
    run(app, tr.move_member, "E1", "B")
    run(app, tr.move_member, "A1", "B")
    run(app, tr.remove_group, "E")
    assert [g["id"] for g in tr.teams_data(app)["groups"]] == ["A", "B", "C", "D"]


def _rules_ops(app: Flask) -> None:
    run(app, tr.add_leave, {"member": "C2", "from": "2026-12-20", "to": "2026-12-21"})
    run(app, tr.add_leave, {"group": "D", "from": "2026-12-26", "to": "2026-12-27", "reason": "x"})
    leave = parsed(app, "rules.toml")["leave"]
    assert leave[-5] == {"member": "C2", "from": "2026-12-20", "to": "2026-12-21"}
    assert [lv["member"] for lv in leave[-4:]] == ["D1", "D2", "D3", "D4"]
    run(app, tr.remove_leave, ["A4|2026-12-21|2026-12-22", "D4|2026-12-26|2026-12-27"])
    members = [lv["member"] for lv in parsed(app, "rules.toml")["leave"]]
    assert members == ["B2", "B3", "C2", "D1", "D2", "D3"]
    run(app, tr.add_reserve, {"id": "R2", "name": "备勤 2"})
    run(app, tr.remove_reserve, "R1")
    assert parsed(app, "rules.toml")["crew"]["reserves"] == [{"id": "R2", "name": "备勤 2"}]
    run(app, tr.set_shift, {"id": "D", "start": "07:00", "end": "15:00"})
    run(app, tr.set_shift, {"id": "E", "name": "晚班 evening", "start": "15:00", "end": "19:00"})
    shifts = parsed(app, "rules.toml")["shifts"]
    assert [(s["id"], s["start"], s["end"]) for s in shifts] == [
        ("D", "07:00", "15:00"),
        ("N", "19:00", "07:00"),
        ("E", "15:00", "19:00"),
    ]
    assert shifts[0]["meals"] == ["11:00-12:30"]  # the supper window after 15:00 went
    run(app, tr.set_demand, {"default_D": "1", "default_N": "2", "sat_D": "2"})
    demand = parsed(app, "rules.toml")["demand"]
    assert demand == {"default": {"D": 1, "N": 2}, "sat": {"D": 2}}
    run(app, tr.remove_shift, "E")
    assert [s["id"] for s in parsed(app, "rules.toml")["shifts"]] == ["D", "N"]
    rest = {"max_nights_in_row": "3", "max_days_in_row": "6", "max_nights_in_row_weight": ""}
    run(app, tr.set_settings, "rest", {**rest, "min_rest_hours": "11.5"})
    rest = parsed(app, "rules.toml")["rest"]
    assert rest == {
        "min_rest_hours": 11.5,
        "rest_after_night_hours": 24,
        "max_nights_in_row": 3,
        "max_days_in_row": 6,
    }
    run(app, tr.set_settings, "fairness", {"nights": "20"})
    run(app, tr.set_rotation, {"pattern": "D, N off off", "weight": ""})
    rules = parsed(app, "rules.toml")
    assert rules["fairness"] == {"nights": 20, "weekends": 3, "holidays": 3}
    assert rules["rotation"] == {"pattern": ["D", "N", "off", "off"]}
    run(app, tr.set_surge, {"public_holidays": "", "holiday_extra_N": "1"})
    run(app, tr.add_surge_date, {"date": "2026-12-25", "name": "圣诞", "extra_D": "1"})
    surge = parsed(app, "rules.toml")["surge"]
    assert surge["public_holidays"] is False and surge["holiday_extra"] == {"N": 1}
    assert surge["dates"][-1] == {"date": "2026-12-25", "name": "圣诞", "extra": {"D": 1}}
    for day in ("2026-12-25", "2026-12-13", "2026-12-24", "2026-12-31"):
        run(app, tr.remove_surge_date, day)
    assert "dates" not in parsed(app, "rules.toml")["surge"]
    run(app, tr.set_settings, "horizon", {"start": "2026-12-07", "days": "27"})
    assert parsed(app, "rules.toml")["horizon"]["days"] == 27


@pytest.mark.parametrize(
    ("name", "ops", "dropped"),
    [
        ("teams.toml", _teams_ops, ()),
        # The only comment that goes is the one at the end of the line of a removed setting.
        ("rules.toml", _rules_ops, ("# per night beyond the limit;",)),
    ],
)
def test_each_operation_changes_the_file_and_keeps_its_comments(
    commented_app: Flask, name: str, ops: Callable[[Flask], None], dropped: tuple[str, ...]
) -> None:
    """Tests that each form operation makes its change and every documentation comment stays."""
    app = commented_app
    before = read_text(app, name)
    ops(app)
    after = read_text(app, name)
    kept = [c for c in full_line_comments(before) if not c.startswith(dropped)]
    assert full_line_comments(after) == kept
    for line in before.splitlines():  # comments at the ends of lines that stay
        if "  # " in line and not any(d[2:] in line for d in dropped):
            key = line.split("=")[0].strip()
            if re.search(rf"^{re.escape(key)} = ", after, re.M):
                assert line.split("  # ", 1)[1] in after


def test_a_member_joins_a_team_file_without_member_tables(app: Flask) -> None:
    """Tests that a teams.toml listing members only inside its groups gets the new one inline."""
    groups = [
        f'[[groups]]\nid = "{g}"\nmembers = ["{g}1", "{g}2", "{g}3", "{g}4"]\n' for g in "ABCD"
    ]
    text = "# Four groups, members listed in place.\n" + "\n".join(groups)
    run(app, tr.replace_raw, "teams", text)
    run(app, tr.add_member, {"id": "A5", "name": "张三", "group": "A"})
    after = read_text(app, "teams.toml")
    assert 'members = ["A1", "A2", "A3", "A4", { id = "A5", name = "张三" }]' in after
    assert "[[members]]" not in after and after.startswith("# Four groups")
    member = next(m for m in tr.teams_data(app)["members"] if m["id"] == "A5")
    assert (member["group"], member["name"]) == ("A", "张三")


def test_removing_tables_keeps_every_comment_line(app: Flask) -> None:
    """Tests that removing the first, a middle and the last [[leave]] keeps all comment lines."""
    text = read_text(app, "rules.toml")
    text = text.replace('[[leave]]\nmember = "B3"', '# Training week.\n[[leave]]\nmember = "B3"')
    text = text.replace('[[leave]]\nmember = "A4"', '# Family leave.\n[[leave]]\nmember = "A4"')
    run(app, tr.replace_raw, "rules", text)
    comments = full_line_comments(text)
    run(app, tr.remove_leave, ["B2|2026-12-14|2026-12-16"])  # the first
    after = read_text(app, "rules.toml")
    assert '\n\n# Training week.\n[[leave]]\nmember = "B3"' in after
    assert full_line_comments(after) == comments
    run(app, tr.add_leave, {"member": "C1", "from": "2026-12-28"})
    run(app, tr.remove_leave, ["A4|2026-12-21|2026-12-22"])  # a middle one
    after = read_text(app, "rules.toml")
    assert 'reason = "training"\n\n# Family leave.\n[[leave]]\nmember = "C1"' in after
    run(app, tr.remove_leave, ["C1|2026-12-28|2026-12-28"])  # the last
    after = read_text(app, "rules.toml")
    assert full_line_comments(after) == comments
    assert '"training"\n\n# Family leave.\n# Assignments kept as given' in after


def test_a_new_leave_goes_before_the_next_sections_comment(app: Flask) -> None:
    """Tests that an added [[leave]] follows the last one, not the comment of [[pins]]."""
    run(app, tr.add_leave, {"member": "C2", "from": "2026-12-20", "reason": "sick"})
    text = read_text(app, "rules.toml")
    block = '[[leave]]\nmember = "C2"\nfrom = "2026-12-20"\nto = "2026-12-20"\nreason = "sick"\n'
    assert block + '\n# Assignments kept as given (shift id or "off").\n[[pins]]' in text
    assert 'reason = "family"\n\n' + block in text


# ---------------------------------------------------------------------------------------------
# Refusals: one sentence naming the field; nothing changes


REFUSALS: list[tuple[str, Callable[[Flask], tuple[Callable[..., Any], tuple[Any, ...]]], str]] = [
    (
        "unknown member",
        lambda app: (tr.add_leave, ({"member": "Z9", "from": "2026-12-20"},)),
        r"^rules\.toml line \d+: leave\.member names unknown member 'Z9'\.$",
    ),
    (
        "end before start",
        lambda app: (tr.add_leave, ({"member": "C3", "from": "2026-12-20", "to": "2026-12-18"},)),
        r"^rules\.toml line \d+: leave\.to 2026-12-18 is before leave\.from 2026-12-20\.$",
    ),
    (
        "leave outside the horizon",
        lambda app: (tr.add_leave, ({"group": "C", "from": "2027-02-01"},)),
        r"leave\.from date 2027-02-01 is outside the horizon 2026-12-07 to 2027-01-03\.$",
    ),
    (
        "leave overlapping leave",
        lambda app: (tr.add_leave, ({"group": "B", "from": "2026-12-16", "to": "2026-12-17"},)),
        r"^leave of 'B2' overlaps the leave already entered from 2026-12-14 to 2026-12-16\.$",
    ),
    (
        "leave date not a date",
        lambda app: (tr.add_leave, ({"member": "C3", "from": "20.12.2026"},)),
        r"^leave\.from must be a date like 2026-12-07, not '20\.12\.2026'\.$",
    ),
    (
        "unknown leave entry",
        lambda app: (tr.remove_leave, (["B2|2026-12-14|2026-12-15"],)),
        r"^There is no leave entry 'B2\|2026-12-14\|2026-12-15'\.$",
    ),
    (
        "overlapping shift templates",
        lambda app: (tr.set_shift, ({"id": "D", "start": "06:00", "end": "18:00"},)),
        r"^rules\.toml line \d+: shifts templates 'D' and 'N' overlap in time",
    ),
    (
        "zero-length shift",
        lambda app: (tr.set_shift, ({"id": "E", "start": "21:00", "end": "21:00"},)),
        r"template 'E' lasts zero hours",
    ),
    (
        "negative rest number",
        lambda app: (tr.set_settings, ("rest", {"max_nights_in_row": "-2"})),
        r"^rules\.toml line \d+: rest\.max_nights_in_row must not be negative \(-2\)\.$",
    ),
    (
        "negative demand",
        lambda app: (tr.set_demand, ({"default_D": "-1", "default_N": "1"},)),
        r"demand\.default needs a whole number >= 0 for shift 'D', not -1\.$",
    ),
    (
        "not a number",
        lambda app: (tr.set_settings, ("fairness", {"nights": "lots"})),
        r"^fairness\.nights must be a whole number, not 'lots'\.$",
    ),
    (
        "zero-day horizon",
        lambda app: (tr.set_settings, ("horizon", {"days": "0"})),
        r"horizon\.days must be at least 1\.$",
    ),
    (
        "group with members",
        lambda app: (tr.remove_group, ("A",)),
        r"^Group 'A' still has members; move or remove them first\.$",
    ),
    (
        "shift still used",
        lambda app: (tr.remove_shift, ("N",)),
        r"^Shift 'N' is still named in demand\.default, rotation\.pattern, pins, ",
    ),
    (
        "member of an unknown group",
        lambda app: (tr.add_member, ({"id": "Z1", "name": "x", "group": "Z"},)),
        r"^There is no group 'Z'\.$",
    ),
    (
        "member id taken by a reserve",
        lambda app: (tr.add_member, ({"id": "R1", "name": "x", "group": "A"},)),
        r"^members\.id 'R1' is already used\.$",
    ),
    (
        "bad member id",
        lambda app: (tr.add_member, ({"id": "a b", "name": "x", "group": "A"},)),
        r"^members\.id must be 1 to 20 letters",
    ),
    (
        "leader removed",
        lambda app: (tr.remove_member, ("A1",)),
        r"^'A1' leads group 'A'; choose another leader first\.$",
    ),
    (
        "member with leave removed",
        lambda app: (tr.remove_member, ("B2",)),
        r"^'B2' still has leave in the rules \(leave\); remove it first\.$",
    ),
    (
        "leader from another group",
        lambda app: (tr.update_group, ("A", {"leader": "B1"})),
        r"^groups\.leader 'B1' is not a member of the group\.$",
    ),
    (
        "unknown base post",
        lambda app: (tr.update_group, ("A", {"base_post": "PR99"})),
        r"^groups\.base_post 'PR99' is not a post of the district\.$",
    ),
    (
        "unknown travel mode",
        lambda app: (tr.add_vehicle, ({"id": "X1", "mode": "horse"},)),
        r"^vehicles\.mode must be one of foot, bicycle, ebike, motorcycle, not 'horse'\.$",
    ),
    (
        "raw text not TOML",
        lambda app: (tr.replace_raw, ("rules", "[rest\nmax = 1\n")),
        r"^rules\.toml is not valid TOML",
    ),
    (
        "raw teams with an unlisted member",
        lambda app: (
            tr.replace_raw,
            ("teams", read_text(app, "teams.toml").replace('"A4"]', '"A4", "A9"]', 1)),
        ),
        r"^File teams\.toml: group 'A' lists member 'A9', who is not in \[\[members\]\]\.$",
    ),
]


@pytest.mark.parametrize(("case", "setup", "message"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_refused_input_gives_one_sentence_and_changes_nothing(
    quiet_app: Flask,
    case: str,
    setup: Callable[[Flask], tuple[Callable[..., Any], tuple[Any, ...]]],
    message: str,
) -> None:
    """Tests that bad input is refused with its one sentence and no byte or log row changes."""
    app = quiet_app
    op, args = setup(app)
    folder = ensure(app)
    files = {n: (folder / n).read_bytes() for n in ("teams.toml", "rules.toml")}
    count = edit_count(app)
    with pytest.raises(tr.TeamsError) as info:
        run(app, op, *args)
    text = str(info.value)
    assert re.search(message, text), text
    assert text.count(". ") == 0 and text.endswith(".")  # one sentence
    assert str(folder) not in text
    assert {n: (folder / n).read_bytes() for n in files} == files
    assert edit_count(app) == count


def test_a_group_still_named_by_a_rule_is_kept(app: Flask) -> None:
    """Tests that an empty group that a rule names cannot be removed, and nothing changes."""
    run(app, tr.add_group, {"id": "E", "name": "五组"})
    rules = read_text(app, "rules.toml").replace(
        "weight = 2\n", "weight = 2\noffsets = { E = 1 }\n"
    )
    run(app, tr.replace_raw, "rules", rules)
    teams = read_text(app, "teams.toml")
    count = edit_count(app)
    with pytest.raises(tr.TeamsError) as info:
        run(app, tr.remove_group, "E")
    assert str(info.value) == (
        "Group 'E' is still named by the rules in rotation.offsets; change those first."
    )
    assert read_text(app, "teams.toml") == teams and edit_count(app) == count


def test_refusals_of_the_forms_speak_chinese_too(quiet_app: Flask) -> None:
    """Tests that the service's own refusals carry a catalogue key with a Chinese text."""
    with pytest.raises(tr.TeamsError) as info:
        run(quiet_app, tr.remove_group, "A")
    assert info.value.key == "tr_err_group_has_members"
    assert info.value.text("zh") == "班组 A 仍有队员，请先调出或删除其队员。"


# ---------------------------------------------------------------------------------------------
# Audit log and undo


def test_an_edit_is_logged_and_undo_restores_the_file(app: Flask) -> None:
    """Tests that a leave added is an audited rules edit and undo puts the same bytes back."""
    folder = ensure(app)
    before = (folder / "rules.toml").read_bytes()
    edit = run(app, tr.add_leave, {"member": "C2", "from": "2026-12-20", "reason": "sick"})
    assert edit is not None
    assert (edit.kind, edit.action, edit.target) == ("rules", "replace", "rules.toml")
    assert edit.user_id == captain_id(app)
    assert edit.summary == "rules: leave of C2 2026-12-20–2026-12-20 (sick)"
    assert json.loads(edit.before).encode() == before
    assert (folder / "rules.toml").read_bytes() != before
    with new_session(app) as session:
        back = undo(app, session, edit.id, user_id=captain_id(app))
        assert back is not None and back.undo_of == edit.id
    assert (folder / "rules.toml").read_bytes() == before


def test_an_unchanged_form_records_nothing(quiet_app: Flask) -> None:
    """Tests that saving the values already in the file makes no edit."""
    app = quiet_app
    count = edit_count(app)
    assert run(app, tr.set_settings, "rest", {"max_nights_in_row": "2"}) is None
    assert edit_count(app) == count


# ---------------------------------------------------------------------------------------------
# The next roster honours the leave


def test_leave_added_is_honoured_by_the_next_roster(app: Flask) -> None:
    """Tests that a whole group's leave reaches the roster: the group is off or others fill in."""
    run(app, tr.add_leave, {"group": "A", "from": "2026-12-08", "to": "2026-12-09"})
    folder = ensure(app)
    start = dt.date(2026, 12, 7)
    roster = build_patrol_problem(folder / "rules.toml", start, 5, teams=folder / "teams.toml")
    crew = roster.problem.rules.crew
    assert crew is not None
    away = {(m, d) for m in ("A1", "A2", "A3", "A4") for d in (1, 2)}
    assert away <= crew.leave
    assert crew.present("A", 1) == 0 and crew.present("A", 0) == 4
    result = solve_roster(roster.problem, RosterParams(time_limit=5.0, num_workers=2), seed=1)
    assert result.is_feasible() and result.check is not None and not result.check.hard
    for day in (1, 2):
        if result.assignment["A"][day] is not None:  # only with members lent to it
            lent = [m for m, g, d in result.lending if g == "A" and d == day]
            assert len(lent) >= crew.min_members
            assert not {(m, day) for m in lent} & crew.leave
