"""Tests of a plan's call-away form (web.plans.call_away_views): re-plan, call-in, bad input."""

from __future__ import annotations

from html import unescape

import pytest
from sqlalchemy import func, select

from tests.web.conftest import CSRF, WEB_PASSWORD, WEB_ROLES, signed_in
from web.db import Job, Plan, new_session
from web.jobs.queue import run_job, submit_job
from web.plans.store import load_document

DAY = {"start": "2026-12-07", "days": 1, "time_limit": 4.0, "seed": 2}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory):
    """An app of the default district with a one-day plan made by a job (one group a shift)."""
    from web import create_app
    from web.accounts.users import create_user

    folder = tmp_path_factory.mktemp("call_away_app")
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
    with app.app_context(), new_session(app) as session:
        job_id = submit_job(session, {"title": "day", **DAY}, None, district="xinjiekou").id
    assert run_job(app, job_id) == "done"
    return app


def _plan(app):
    with new_session(app) as session:
        row = session.scalars(select(Plan).order_by(Plan.id)).first()
        with app.app_context():
            return row.id, load_document(app, row)


def _count(app) -> int:
    with new_session(app) as session:
        return session.scalar(select(func.count()).select_from(Plan)) or 0


def _post(client, plan_id, **fields):
    return client.post(f"/plans/{plan_id}/call-away", data={**fields, "csrf_token": CSRF})


def test_the_form_calls_in_an_off_duty_group(app) -> None:
    """Tests that calling the day group away at 14:00 with the default choice makes a new
    draft plan in which an off-duty group is called in, and the page says who and why in
    Chinese (the default language) and in English."""
    plan_id, doc = _plan(app)
    (day_group,) = [g for g, row in doc.roster.schedule.items() if row[0] == "D"]
    client = signed_in(app, "captain")
    page = client.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert "调离与补位" in page and 'value="auto"' in page
    before = _count(app)
    reply = _post(client, plan_id, group=day_group, at="2026-12-07T14:00", call_in="auto")
    assert reply.status_code == 302
    assert _count(app) == before + 1
    new_id = int(reply.headers["Location"].rstrip("/").split("/")[-1])
    with new_session(app) as session:
        row = session.get(Plan, new_id)
        assert row.state == "draft"
        with app.app_context():
            new = load_document(app, row)
    (call,) = new.roster.call_ins
    assert call.replaces == day_group and call.start_s == 14 * 3600 + 1800
    assert all(c.ok for c in new.validation), [c.violations for c in new.validation if not c.ok]
    shown = unescape(client.get(reply.headers["Location"]).get_data(as_text=True))
    assert f"调用{call.group_id}组" in shown and f"{day_group}组自2026年12月7日 14:00离岗" in shown
    client.get(f"/plans/{new_id}?lang=en")  # the page in English from now on
    reply = _post(client, new_id, group=call.group_id, at="2026-12-07 18:00", call_in="none")
    shown = unescape(client.get(reply.headers["Location"]).get_data(as_text=True))
    assert f"Re-planned: group {call.group_id} away from 7 Dec 2026, 18:00" in shown


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"group": "Z", "at": "2026-12-07 14:00"}, "调离的组“Z”不在此方案中。"),  # unknown group
        ({"group": "A", "at": "7 Dec 14:00"}, "离岗时间“7 Dec 14:00”无法识别"),  # not a time
        ({"group": "A", "at": "2026-12-09 14:00"}, "不在方案的日期内"),  # outside the plan
        ({"group": "A", "at": "2026-12-07 14:00", "call_in": "A"}, "补位“A”应为"),  # itself
    ],
)
def test_bad_input_says_why_and_saves_nothing(app, fields, words) -> None:
    """Tests that a bad field is refused with one sentence in the page's language and that no
    plan is saved."""
    plan_id, _ = _plan(app)
    client = signed_in(app, "captain")
    before = _count(app)
    reply = _post(client, plan_id, **fields)
    assert reply.status_code == 302 and _count(app) == before
    shown = unescape(client.get(reply.headers["Location"]).get_data(as_text=True))
    assert words in shown and "Traceback" not in shown


def test_only_captains_and_admins_call_groups_away(app) -> None:
    """Tests that a planner gets 403 and no plan is saved."""
    plan_id, _ = _plan(app)
    before = _count(app)
    reply = _post(signed_in(app, "planner"), plan_id, group="A", at="2026-12-07 14:00")
    assert reply.status_code == 403 and _count(app) == before
    with new_session(app) as session:
        assert session.scalar(select(func.count()).select_from(Job)) == 1


def test_reserves_called_in_are_named_in_both_languages(app, monkeypatch, tmp_path) -> None:
    """Tests that when no off-duty group may come, the page names the reserves called in
    (their names, not their ids) in Chinese and in English."""
    from dataclasses import replace

    import planner.patrol.inputs as inputs_module
    import planner.patrol.replan as replan_module
    from planner.plan.document import CarryIn, Member

    real_load, real_replan = inputs_module.load_inputs, replan_module.replan
    plan_id, doc = _plan(app)
    (day_group,) = [g for g, row in doc.roster.schedule.items() if row[0] == "D"]
    free = sorted(g for g, row in doc.roster.schedule.items() if row[0] is None)

    def load(folder, rules=None):  # the plan's data, with three reserves, 36 h after a night
        text = (real_load(folder).rules_path).read_text(encoding="utf-8")
        text = text.replace(
            'reserves = [{ id = "R1", name = "备勤 reserve 1" }]',
            'reserves = [{ id = "R1", name = "王磊" }, { id = "R2", name = "李娜" }]',
        ).replace("rest_after_night_hours = 24 ", "rest_after_night_hours = 36 ")
        path = tmp_path / "rules.toml"
        path.write_text(text, encoding="utf-8")
        return real_load(folder, path)

    def replan(doc, inputs, *args, **kwargs):  # both off-duty groups off a night before
        carry = CarryIn("2026-12-05", {free[0]: ("N", None), free[1]: (None, "N")})
        names = tuple(Member(m.id, m.name) for m in inputs.rules.reserves)
        roster = replace(doc.roster, carry_in=carry, reserves=names)
        return real_replan(replace(doc, roster=roster), inputs, *args, **kwargs)

    monkeypatch.setattr(inputs_module, "load_inputs", load)
    monkeypatch.setattr(replan_module, "replan", replan)
    client = signed_in(app, "captain")
    for lang, words in (
        ("zh", "调用备勤人员（王磊、李娜）"),
        ("en", "Reserves 王磊, 李娜 are called in as a unit of their own"),
    ):
        client.get(f"/plans/{plan_id}?lang={lang}")
        reply = _post(client, plan_id, group=day_group, at="2026-12-07 14:00", call_in="auto")
        shown = unescape(client.get(reply.headers["Location"]).get_data(as_text=True))
        assert words in shown and "R1" not in shown.split(words)[1][:40]
        assert "备勤" in shown if lang == "zh" else "Reserves" in shown
