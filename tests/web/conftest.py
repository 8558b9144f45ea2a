"""Shared fixtures of the web tests: an app with one user per role, and signed-in clients."""

from __future__ import annotations

import json
from pathlib import Path  # noqa: TC003 (pytest resolves fixture annotations)
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd
import pytest

from geodata.bundle import District, write_district
from web import create_app
from web.accounts.users import create_user
from web.db import new_session

if TYPE_CHECKING:
    from collections.abc import Callable

    from flask import Flask
    from flask.testing import FlaskClient

WEB_ROLES = ("admin", "captain", "planner", "member", "viewer")
"""One user per role, each named after its role."""

WEB_PASSWORD = "correct horse"
"""The password of every test user."""

CSRF = "tok"
"""The CSRF token that :func:`signed_in` puts in each test client's session."""

_FAST_HASH = "pbkdf2:sha256:1000"  # the default scrypt is deliberately slow


@pytest.fixture(scope="module")
def tiny_district(data_dir: Path) -> District:
    """The hand-made district of tests/data/web/tiny_district.json, in memory (one per module)."""
    raw = json.loads((data_dir / "web" / "tiny_district.json").read_text(encoding="utf-8"))
    layers = {
        name: gpd.GeoDataFrame.from_features(fc["features"], crs="EPSG:4326")
        for name, fc in raw["layers"].items()
    }
    for col in ("u", "v"):
        layers["streets"][col] = layers["streets"][col].astype("int64")
    layers["cameras"]["heading"] = layers["cameras"]["heading"].astype(float)
    incidents = pd.DataFrame(columns=["id", "time", "category", "lon", "lat"])
    return District(path=None, manifest=raw["manifest"], incidents=incidents, **layers)


@pytest.fixture(scope="module")
def tiny_bundle(tiny_district: District, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """:func:`tiny_district` written as a bundle folder (apps copy it; tests only read it)."""
    return write_district(tiny_district, tmp_path_factory.mktemp("bundles") / "tiny")


@pytest.fixture
def make_web_app(tmp_path: Path) -> Callable[..., Flask]:
    """Return a factory of fresh apps: own instance folder and SQLite file, one user per role.

    ``make(district=None, member_groups=("A",), **config)``: ``district`` is a bundle folder
    (None: the default district); the member user sees the routes of ``member_groups``;
    ``config`` adds or replaces settings. No demo plan and no job worker unless asked.
    """
    count = 0

    def make(
        district: str | Path | None = None,
        member_groups: tuple[str, ...] = ("A",),
        **config: Any,
    ) -> Flask:
        nonlocal count
        count += 1
        folder = tmp_path / f"app{count}"
        settings: dict[str, Any] = {
            "TESTING": True,
            "SECRET_KEY": "test",
            "INSTANCE_PATH": str(folder / "instance"),
            "DATABASE_URL": "sqlite:///" + str(folder / "app.sqlite3"),
        }
        if district is not None:
            settings["DISTRICT"] = str(district)
        settings.update(config)
        app = create_app(settings)
        with new_session(app) as session:
            for role in WEB_ROLES:
                groups = list(member_groups) if role == "member" else []
                create_user(session, role, role, WEB_PASSWORD, method=_FAST_HASH, groups=groups)
        return app

    return make


def signed_in(app: Flask, role: str | None) -> FlaskClient:
    """Return a test client signed in as the user of ``role`` (None: not signed in).

    The client's session holds the CSRF token :data:`CSRF`; post it as ``csrf_token``.
    """
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["csrf_token"] = CSRF
    if role is not None:
        response = client.post(
            "/login", data={"name": role, "password": WEB_PASSWORD, "csrf_token": CSRF}
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        with client.session_transaction() as sess:  # logging in starts a new session
            sess["csrf_token"] = CSRF
    return client


@pytest.fixture
def client_as() -> Callable[[Flask, str | None], FlaskClient]:
    """Return :func:`signed_in`: ``client_as(app, "planner")`` is a signed-in test client."""
    return signed_in
