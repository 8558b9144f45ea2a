"""Tests that every page speaks its language: no catalogue key, no stray English or Chinese."""

from __future__ import annotations

import html
import json
import re
import tomllib
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path  # noqa: TC003 (pytest resolves fixture annotations)
from typing import TYPE_CHECKING, Any

import pandas as pd
import pytest

from planner.plan.document import read_plan
from web import create_app
from web.accounts.users import create_user
from web.db import Job, Plan, ShiftSwap, User, new_session
from web.i18n import MESSAGES
from web.plans.store import get_district, import_plan

if TYPE_CHECKING:
    from flask import Flask

PASSWORD = "correct horse"
CSRF = "tok"

ALLOWED_WORDS = {
    # the other language's name on the language switch
    "English",
    # units, formats and file types
    "km",
    "min",
    "YYYY",
    "MM",
    "DD",
    "HH",
    "mm",
    "GeoJSON",
    "JSON",
    "json",
    "CSV",
    "csv",
    "Excel",
    "PDF",
    "GPX",
    "ZIP",
    "iCalendar",
    "QR",
    "UTC",
    "TOML",
    "toml",
    # proper names
    "OpenStreetMap",
    "ODbL",
    "OSM",
    "Leaflet",
    "API",
    "OpenAPI",
    "GPS",
}
"""ASCII words that a Chinese page may show: units, file formats and proper names."""

ALLOWED_CJK = {"中文"}
"""Chinese that an English page may show outside the data: the language switch."""

SKIP_ARGS = {"filename", "library", "name"}
"""Route arguments of files rather than pages (vendor assets, downloads)."""


class _Text(HTMLParser):
    """The words a reader sees: text outside scripts and styles, and labels in attributes."""

    LABEL_ATTRS = ("title", "placeholder", "aria-label", "alt")
    HIDDEN = ("script", "style", "textarea", "code", "kbd", "samp")
    """Not read: scripts, styles, text being edited and identifiers marked as code."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self._skip += 1
        values = dict(attrs)
        for name in self.LABEL_ATTRS:
            if values.get(name):
                self.parts.append(str(values[name]))
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.parts.append(str(values["value"]))

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.parts.append(data.strip())


def visible_text(page: str) -> list[str]:
    """Return the pieces of text of an HTML page that a reader sees."""
    parser = _Text()
    parser.feed(page)
    return parser.parts


CODES = {"level", "mode", "kind", "category", "status", "stages", "validation"}
"""Fields of the plan document that hold codes (the page must translate them), not data."""


def _strings(value: Any, skip: frozenset[str] = frozenset()) -> list[str]:
    """Return every string inside ``value``, leaving out the fields named in ``skip``."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() if k not in skip for s in _strings(v, skip)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v, skip)]
    return []


@dataclass
class Audit:
    """The app, the pages to read and the data they may show in any language."""

    app: Flask
    urls: list[str]
    data: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _fill(rule: Any, values: dict[str, str]) -> str | None:
    path = rule.rule
    for arg in rule.arguments:
        if arg not in values:
            return None
        path = re.sub(r"<(?:[^<>:]+:)?" + arg + r">", values[arg], path)
    return path


@pytest.fixture(scope="module")
def audit(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Audit:
    """The default district with two copies of tests/data/plan/plan.json (plans 1 and 2), a
    finished job, one user per role; every GET page whose arguments can be filled."""
    tmp = tmp_path_factory.mktemp("i18n")
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "INSTANCE_PATH": str(tmp / "instance"),
            "DATABASE_URL": "sqlite:///" + str(tmp / "app.sqlite3"),
        }
    )
    source = data_dir / "plan" / "plan.json"
    doc = read_plan(source)
    with new_session(app) as session:
        for role in ("admin", "captain", "planner", "member", "viewer"):
            groups = [doc.routes[0].group_id] if role == "member" else []
            create_user(session, role, role, PASSWORD, method="pbkdf2:sha256:1000", groups=groups)
        import_plan(app, session, source, title="Fixture plan")
        import_plan(app, session, source, title="Fixture plan")
        job = Job(plan_id=1, params="{}", status="done", stage="validate", done=6, total=6)
        session.add(job)
        session.add(
            ShiftSwap(plan_id=1, group_id="g1", day="2026-09-30", shift_id="D",
                      other_group_id="g2", note="", reason="")
        )  # fmt: skip
        session.commit()
        job_id = job.id
        users = [u.name for u in session.query(User)] + [p.title for p in session.query(Plan)]
    with app.app_context():
        district = get_district(app)
    values = {
        "plan_id": "1",
        "route_id": doc.routes[0].id,
        "job_id": str(job_id),
        "area_id": str(district.key_areas["id"].iloc[0]),
        "kind": "teams",
        "swap_id": "1",
    }
    try:
        from web.checkin.records import checkpoint_tokens

        tokens = checkpoint_tokens(app, 1, doc)
        values["token"] = next(iter(tokens.values()))
    except ImportError:
        pass
    urls, skipped = [], []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in (rule.methods or ()) or rule.rule.startswith(("/api/", "/static/")):
            continue
        if SKIP_ARGS & set(rule.arguments):
            continue
        path = _fill(rule, values)
        if path is None:
            skipped.append(rule.rule)
            continue
        urls.append(path + ("?a=1&b=2" if rule.endpoint == "plans.compare_view" else ""))
    # Data: what places, people, plans and teams are called, in any language.
    data = list(users)
    for layer in ("key_areas", "streets", "grids", "posts", "cameras", "boundary"):
        frame = getattr(district, layer, None)
        if frame is None:
            continue
        for column in frame.columns:
            values = frame[column]
            if column != frame.geometry.name and (
                values.dtype == object or pd.api.types.is_string_dtype(values)
            ):
                data.extend(str(v) for v in frame[column].dropna().unique())
    data.extend(_strings(district.teams))
    with app.app_context():
        from web.workspace import read_text

        data.extend(_strings(tomllib.loads(read_text(app, "rules.toml") or "")))
    data.extend(_strings(district.manifest))
    data.extend(_strings(json.loads(source.read_text(encoding="utf-8")), frozenset(CODES)))
    data += [html.escape(v) for v in data]  # as maps write them into their scripts
    return Audit(app, urls, sorted(set(data), key=len, reverse=True), skipped)


def _client(app: Flask, lang: str) -> Any:
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["csrf_token"] = CSRF
    client.post("/login", data={"name": "admin", "password": PASSWORD, "csrf_token": CSRF})
    client.get(f"/map?lang={lang}")
    return client


def _strip_data(text: str, data: list[str]) -> str:
    for value in data:
        if len(value) > 1 and value in text:
            text = text.replace(value, " ")
    return text


KEYS = {key for key in MESSAGES if "_" in key}
"""Catalogue keys that cannot be ordinary words of a text."""

FILE_NAME = re.compile(
    r"[\w.-]+\.(?:json|geojson|csv|xlsx|zip|pdf|gpx|toml|ics|gpkg)\b|\b[a-z_]+(?:\.[a-z_]+)+\b"
)
"""File names (plan.json, rules.toml) and dotted field names (rest.min_rest_hours) are
identifiers, not words of the page's language."""

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]+")


def stray_words(piece: str, lang: str, data: list[str]) -> list[str]:
    """Return what should not be in a piece of text of a ``lang`` page: catalogue keys, and
    English words (zh) or Chinese (en) once data, file names and field names are left out."""
    bad = [w for w in re.findall(r"[a-z]+(?:_[a-z0-9]+)+", piece) if w in KEYS]
    rest = _strip_data(FILE_NAME.sub(" ", piece), data)
    if lang == "zh":
        words = re.findall(r"[A-Za-z][A-Za-z'’]+", rest)
        return bad + [w for w in words if w not in ALLOWED_WORDS and w not in bad]
    return bad + [w for w in CJK.findall(rest) if w not in ALLOWED_CJK]


def findings(audit: Audit, lang: str) -> dict[str, list[str]]:
    """Return, per page, the words of ``lang`` pages that should not be there."""
    client = _client(audit.app, lang)
    out: dict[str, list[str]] = {}
    for url in audit.urls:
        response = client.get(url)
        assert response.status_code < 500, (url, response.status_code)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue  # redirects, refusals and files (an icon is no text)
        page = response.get_data(as_text=True)
        if "L.map(" in page:  # a Folium map: its labels are in the script, JSON-escaped
            if lang == "en":
                text = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), page)
                rest = _strip_data(text, audit.data)
                found = {w for w in CJK.findall(rest) if w not in ALLOWED_CJK}
                if found:
                    out[url] = sorted(found)
            continue
        bad = [w for piece in visible_text(page) for w in stray_words(piece, lang, audit.data)]
        if bad:
            out[url] = sorted(set(bad))
    return out


def test_audit_reads_the_pages(audit: Audit) -> None:
    """Tests that the audit reaches the app's main pages (so a silent skip cannot pass it)."""
    for url in ("/map", "/plans/", "/plans/1", "/plans/1/print", "/users/", "/login"):
        assert url in audit.urls
    assert any(u.startswith("/plans/1/routes/") for u in audit.urls)
    assert not audit.skipped, audit.skipped


KNOWN: dict[tuple[str, str], set[str]] = {
    # The mapping example's placeholder shows a field name as it is typed ("发案时间=time").
    ("zh", "/areas/incidents"): {"time"},
}
"""Words a page shows on purpose (with the reason); every other finding fails the test."""


def _known(lang: str, url: str) -> set[str]:
    return KNOWN.get((lang, url), set())


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_pages_speak_their_language(audit: Audit, lang: str) -> None:
    """Tests that no page shows a catalogue key, a Chinese page no English UI word (beyond
    units, formats and proper names) and an English page, map frames included, no Chinese
    outside the data."""
    found = {
        url: sorted(set(words) - _known(lang, url)) for url, words in findings(audit, lang).items()
    }
    found = {url: words for url, words in found.items() if words}
    assert not found, json.dumps(found, ensure_ascii=False, indent=1)


def test_audit_finds_stray_words() -> None:
    """Tests that the audit sees what it looks for: a leaked key, an English word in a
    Chinese page, Chinese in an English page, but not data, units, file or field names."""
    page = "<p title='Go'>巡逻 plan_title 5 km plan.json rest.min_rest_hours</p><script>x</script>"
    assert visible_text(page) == ["Go", "巡逻 plan_title 5 km plan.json rest.min_rest_hours"]
    pieces = visible_text(page)
    assert [w for p in pieces for w in stray_words(p, "zh", [])] == [
        "Go",
        "plan_title",
        "plan",
        "title",
    ]
    assert stray_words("新街口 Xinjiekou 巡逻", "zh", ["Xinjiekou"]) == []
    assert stray_words("Walmart 沃尔玛 at 新街口 (中文)", "en", ["新街口"]) == ["沃尔玛"]
    assert stray_words("Plan: users_title", "en", []) == ["users_title"]
