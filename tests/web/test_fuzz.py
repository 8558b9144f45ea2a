"""Generated bad input for the decoding layer, every form, every upload, the API and the CLI.

Each test draws a fixed number of inputs (hypothesis, derandomized so that a CI run is
repeatable, no example database) and asserts what every door must do with input it refuses:
no 5xx, no traceback, one sentence, and the instance folder and database as they were.
:data:`COUNTS` says how many inputs each test draws; their sum is the suite's size.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from geodata.decoding import DecodeError, load_json, load_toml
from tests.web.conftest import CSRF, WEB_PASSWORD, signed_in
from web.db import CheckIn, Edit, Job, Plan, User, UserGroup, new_session
from web.workspace import ensure

COUNTS = {
    "json_layer": 3500,
    "toml_layer": 3500,
    "forms": 1200,
    "uploads": 500,
    "api": 1500,
    "cli": 150,
}
"""Inputs drawn by each test (10,350 in all, beside the schemathesis run of test_api.py)."""

SCHOOL = "osm-n1058331313"

NASTY = [
    "",
    " ",
    "\x00",
    "\t=1+1",
    '=HYPERLINK("http://evil.example","x")',
    "+1",
    "-1",
    "@SUM(A1)",
    "0",
    "-0",
    "1e309",
    "nan",
    "inf",
    "99999999999999999999",
    "2147483648",
    "9999-12-31",
    "0001-01-01",
    "2026-02-30",
    "24:00-25:00",
    "07:20-08:00;16:30-17:10",
    "[" * 200,
    "{" * 200,
    '{"type": "Point", "coordinates": [1e400, 0]}',
    '{"type": "Point", "coordinates": [118.78, 32.044]}',
    "<script>alert(1)</script>",
    "'; DROP TABLE users; --",
    "../../etc/passwd",
    "巡逻" * 300,
    "\u202e\u200b\ufeff",
    "a" * 5000,
]
"""Values that broke or nearly broke a door once, mixed into the generated ones."""

TEXT = st.one_of(
    st.sampled_from(NASTY),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=40),
    st.text(alphabet='0123456789-:.;[]{}",= eE+', max_size=30),
)
"""Form field values: anything a browser can send (no lone surrogates: forms are UTF-8)."""


def _fuzz(name: str) -> Any:
    return settings(
        max_examples=COUNTS[name],
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )


def _state(app) -> tuple[Any, ...]:
    """Return what a refusal must leave alone: every file of the instance folder (size and
    modification time) and the number of rows of each table."""
    root = Path(app.instance_path)
    files = tuple(
        (str(p.relative_to(root)), p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file() and "uploads" not in p.parts and not p.name.endswith("-journal")
    )
    with new_session(app) as session:
        rows = tuple(
            session.scalar(select(func.count()).select_from(model))
            for model in (User, UserGroup, Plan, Job, Edit, CheckIn)
        )
    return files, rows


def _one_sentence(text: str) -> None:
    text = text.strip()
    assert text, "an empty refusal"
    assert "\n" not in text and "Traceback" not in text, text
    assert text[-1] in ".。", text


ALERT = re.compile(r'<p class="error" role="alert">(.*?)</p>', re.S)


def _check_page(response, before, app) -> None:
    """A form's answer: no 5xx; a refusal (4xx) shows one sentence and changes nothing."""
    body = response.get_data(as_text=True)
    assert response.status_code < 500, body[:500]
    assert "Traceback" not in body
    if 400 <= response.status_code < 500 and response.status_code not in (404, 429):
        found = ALERT.search(body)
        assert found, body[:500]
        _one_sentence(found.group(1))
        assert _state(app) == before


@pytest.fixture
def app(make_web_app):
    app = make_web_app(RATELIMIT_ENABLED=False)
    ensure(app)  # the working copy exists before any state is taken
    return app


# ---------------------------------------------------------------------------------------------
# The decoding layer

JSON_LEAF = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=10),  # lone surrogates included
)
JSON_VALUE = st.recursive(
    JSON_LEAF,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=20,
)


def _document(value: Any, depth: int, noise: bytes) -> bytes:
    text = json.dumps(value)  # ASCII: surrogates become \udxxx escapes
    return ("[" * depth + text + "]" * depth).encode() + noise


@given(
    value=JSON_VALUE,
    depth=st.sampled_from([0, 1, 63, 64, 65, 3000]),
    noise=st.sampled_from([b"", b" ", b"\xff", b",", b"\x00"]),
)
@_fuzz("json_layer")
def test_json_layer_parses_or_refuses_in_one_sentence(value, depth, noise) -> None:
    """Tests that load_json returns a value or raises DecodeError, never anything else."""
    try:
        out = load_json(_document(value, depth, noise), "The body")
    except DecodeError as exc:
        _one_sentence(str(exc))
        assert str(exc).startswith("The body ")
    else:
        json.dumps(out).encode("utf-8")  # what is let through can be written


@given(
    key=st.text(max_size=8),
    value=JSON_VALUE,
    depth=st.sampled_from([0, 2, 64, 65, 2000]),
    tail=st.sampled_from(["", "\n", "\n[x", "\n= 1", "\u0000"]),
)
@_fuzz("toml_layer")
def test_toml_layer_parses_or_refuses_in_one_sentence(key, value, depth, tail) -> None:
    """Tests that load_toml returns a table or raises DecodeError, never anything else."""
    inner = json.dumps(value).replace("null", '""')
    text = f"{json.dumps(key)} = " + "[" * depth + inner + "]" * depth + tail
    try:
        out = load_toml(text, "rules.toml")
    except DecodeError as exc:
        _one_sentence(str(exc))
        assert str(exc).startswith("rules.toml ")
    else:
        assert isinstance(out, dict)


# ---------------------------------------------------------------------------------------------
# Every form

FORMS: list[tuple[str, str, dict[str, Any]]] = [
    ("planner", "/areas/new", {"name": "x", "category": "market", "priority": "3", "geometry": ""}),
    ("planner", f"/areas/{SCHOOL}", {"name": "x", "priority": "3"}),
    ("planner", "/areas/hotspots", {"place_id": "G01", "pin": "1", "weight": "2", "note": ""}),
    ("planner", "/areas/shapes", {"changes": "[]", "deleted": "[]"}),
    ("captain", "/teams/", {"op": "add_vehicle", "id": "EB99", "mode": "ebike"}),
    ("captain", "/teams/leave", {"op": "add_leave", "who": "C2", "from": "2026-12-20"}),
    ("captain", "/teams/rules", {"op": "settings_rest", "max_nights_in_row": "3"}),
    ("captain", "/teams/raw/rules", {"text": "", "version": ""}),
    ("captain", "/teams/raw/teams", {"text": "", "version": ""}),
    ("captain", "/teams/replan", {"start": "2026-12-07", "days": "2"}),
    ("captain", "/jobs/new", {"start": "2026-12-07", "days": "1", "seed": "0", "time_limit": "9"}),
    ("admin", "/users/", {"name": "kai", "role": "viewer", "password": "long enough"}),
    ("viewer", "/account", {"current": "not the password", "password": "", "repeat": ""}),
    (None, "/login", {"name": "viewer", "password": ""}),
]
"""(role, form, a filled form): each example replaces one or two fields with a drawn value."""


@given(
    form=st.sampled_from(FORMS),
    picks=st.lists(st.integers(0, 10), min_size=1, max_size=2),
    values=st.lists(TEXT, min_size=2, max_size=2),
    lang=st.sampled_from(["zh", "en"]),
)
@_fuzz("forms")
def test_every_form_refuses_bad_fields_in_one_sentence(app, form, picks, values, lang) -> None:
    """Tests every form with drawn field values: no 5xx, and each refusal says one sentence
    and leaves the instance folder and database as they were."""
    role, url, fields = form
    data = dict(fields)
    names = list(data)
    for pick, value in zip(picks, values, strict=False):
        data[names[pick % len(names)]] = value
    client = _client(app, role)
    before = _state(app)
    response = client.post(f"{url}?lang={lang}", data={**data, "csrf_token": CSRF})
    _check_page(response, before, app)


_CLIENTS: dict[tuple[int, str | None], Any] = {}


def _client(app, role: str | None):
    """Return one signed-in client per app and role (signing in is slow on purpose)."""
    key = (id(app), role)
    client = _CLIENTS.get(key)
    if client is None or client.application is not app:
        client = signed_in(app, role)
        _CLIENTS[key] = client
    with client.session_transaction() as sess:  # the account form may have ended it
        if role is not None and "user_id" not in sess:
            client = signed_in(app, role)
            _CLIENTS[key] = client
    return client


# ---------------------------------------------------------------------------------------------
# Every upload

UPLOADS = [
    ("/areas/import", "file", "areas.geojson", {"action": "preview"}),
    ("/areas/import", "file", "areas.geojson", {"action": "import"}),
    ("/areas/incidents", "file", "incidents.csv", {"action": "preview"}),
    ("/areas/incidents", "file", "incidents.geojson", {"action": "import"}),
]

UPLOAD_BYTES = st.one_of(
    st.binary(max_size=200),
    JSON_VALUE.map(lambda v: json.dumps(v).encode()),
    st.sampled_from(
        [
            b'{"type": "FeatureCollection", "features": ' + b"[" * 500 + b"]" * 500 + b"}",
            b'{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": '
            b'{"name": "\\ud800"}, "geometry": null}]}',
            "id,time,category,lon,lat\n1,2026-12-07 10:00,盗窃,118.78,32.04\n".encode("gbk"),
            b"id,time,category,lon,lat\n1,9999-12-31 10:00,x,1e400,nan\n",
            b"\xef\xbb\xbf" + b"=cmd|' /C calc'!A0,2,3\n",
        ]
    ),
)


@given(upload=st.sampled_from(UPLOADS), content=UPLOAD_BYTES)
@_fuzz("uploads")
def test_every_upload_refuses_bad_files_in_one_sentence(app, upload, content) -> None:
    """Tests the area and incident uploads with drawn files: no 5xx; a refusal is one
    sentence and changes nothing."""
    url, field, filename, extra = upload
    client = _client(app, "planner")
    before = _state(app)
    response = client.post(
        url,
        data={**extra, field: (io.BytesIO(content), filename), "csrf_token": CSRF},
        content_type="multipart/form-data",
    )
    _check_page(response, before, app)


# ---------------------------------------------------------------------------------------------
# Every API write

API_WRITES = [
    ("POST", "/api/v1/token", {"name": "admin", "password": "x"}),
    ("POST", "/api/v1/areas", {"name": "x", "category": "market", "priority": 3}),
    ("PATCH", f"/api/v1/areas/{SCHOOL}", {"priority": 3}),
    ("POST", "/api/v1/areas/import?preview=true", {"type": "FeatureCollection", "features": []}),
    (
        "POST",
        "/api/v1/district/incidents/import?preview=true",
        {"filename": "x.csv", "content": ""},
    ),
    ("PUT", "/api/v1/hotspots/G01", {"weight": 1}),
    ("PUT", "/api/v1/rules", {"text": ""}),
    ("PUT", "/api/v1/teams", {"text": ""}),
    ("POST", "/api/v1/rules/leave", {"member": "C2", "from": "2026-12-20"}),
    ("POST", "/api/v1/rules/leave/remove", {"keys": ["x"]}),
    ("POST", "/api/v1/jobs", {"start": "2026-12-07", "days": 1}),
    ("POST", "/api/v1/checkins", {"token": "x", "lon": 118.78, "lat": 32.04}),
    ("POST", "/api/v1/account/password", {"current": "x", "password": "y"}),
    ("POST", "/api/v1/users/5/password", {"password": "x"}),  # the viewer's
    ("PUT", "/api/v1/users/1/disabled", {"disabled": "x"}),
]
"""Every API operation that takes a JSON body, with a body to spoil."""


@given(
    write=st.sampled_from(API_WRITES),
    key=st.one_of(st.none(), st.integers(0, 5), st.text(max_size=6)),
    value=JSON_VALUE,
    depth=st.sampled_from([0, 0, 0, 70, 3000]),
    raw=st.sampled_from([None, b"", b"{", b"\xff\xfe", b'{"a": "\\ud800"}', b"null", b"[]"]),
)
@_fuzz("api")
def test_every_api_write_refuses_bad_bodies_in_json(app, write, key, value, depth, raw) -> None:
    """Tests each write of the API with spoiled bodies (a field replaced, deep nesting, lone
    surrogates, broken bytes): no 5xx, a JSON error of one sentence, nothing changed."""
    method, path, body = write
    body = dict(body)
    if isinstance(key, int):  # spoil a field
        body[list(body)[key % len(body)]] = value
    elif key is not None:  # add one
        body[key] = value
    text = ("[" * depth + json.dumps(body) + "]" * depth).encode() if raw is None else raw
    headers = _token(app)
    before = _state(app)
    response = app.test_client().open(
        path, method=method, data=text, content_type="application/json", headers=headers
    )
    assert response.status_code < 500, response.get_data(as_text=True)[:300]
    if response.status_code >= 400:
        error = response.get_json()
        assert set(error) == {"error", "field"}
        _one_sentence(error["error"])
        if path != "/api/v1/token":  # a failed sign-in only counts towards the throttle
            assert _state(app) == before


_TOKENS: dict[int, dict[str, str]] = {}


def _token(app) -> dict[str, str]:
    headers = _TOKENS.get(id(app))
    if headers is None:
        answer = app.test_client().post(
            "/api/v1/token", json={"name": "admin", "password": WEB_PASSWORD}
        )
        headers = {"Authorization": f"Bearer {answer.get_json()['token']}"}
        _TOKENS.clear()
        _TOKENS[id(app)] = headers
    return headers


# ---------------------------------------------------------------------------------------------
# The command line


@given(
    command=st.sampled_from(["validate", "incidents-csv", "incidents-geojson", "users"]),
    content=UPLOAD_BYTES,
    name=TEXT,
)
@_fuzz("cli")
def test_every_command_refuses_bad_input_in_one_line(
    tmp_path_factory, command, content, name
) -> None:
    """Tests `validate`, `incidents import --dry-run` and `users create` on drawn files and
    names: exit 0, 1 or 2, and a refusal is one 'Error:' line without a traceback."""
    from click.testing import CliRunner

    from web.cli import cli

    folder = tmp_path_factory.mktemp("cli")
    env = {"PATROL_INSTANCE": str(folder / "instance")}
    if command == "validate":
        (folder / "plan.json").write_bytes(content)
        args, stdin = ["validate", str(folder / "plan.json")], None
    elif command.startswith("incidents"):
        suffix = command.split("-")[1]
        (folder / f"in.{suffix}").write_bytes(content)
        args, stdin = ["incidents", "import", str(folder / f"in.{suffix}"), "--dry-run"], None
    else:
        # "--" ends the options, so that a name such as "-0" is a name
        args = ["users", "create", "--role", "viewer", "--password-stdin", "--", name or "x"]
        stdin = name
    result = CliRunner(env=env).invoke(cli, args, input=stdin)
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert result.exit_code in (0, 1, 2), result.output
    if result.exit_code == 2:
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error:"), result.stderr
