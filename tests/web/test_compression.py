"""Tests of gzip-compressed answers (web.compression) and of the icon (web.favicon)."""

from __future__ import annotations

import gzip
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from flask import Flask
    from flask.testing import FlaskClient


def test_pages_and_map_frames_are_gzipped_for_browsers_that_accept_it(
    make_web_app: Callable[..., Flask], client_as: Callable[[Flask, str | None], FlaskClient]
) -> None:
    """Tests that the district map frame and the login page come gzip-compressed to a client
    sending ``Accept-Encoding: gzip``, unpack to what an uncompressed request gets, and are
    sent plain to a client that does not accept gzip."""
    app = make_web_app()
    c = client_as(app, None)
    for url in ("/map/frame?lang=zh", "/login?lang=en"):
        plain = c.get(url)
        packed = c.get(url, headers={"Accept-Encoding": "gzip, deflate"})
        assert plain.status_code == packed.status_code == 200, url
        assert "Content-Encoding" not in plain.headers, url
        assert packed.headers["Content-Encoding"] == "gzip", url
        assert "Accept-Encoding" in packed.headers.get("Vary", ""), url
        body = gzip.decompress(packed.get_data())
        assert body == plain.get_data(), url
        assert len(packed.get_data()) < len(body) * 0.6, url


def test_the_json_api_keeps_its_etags(
    make_web_app: Callable[..., Flask], client_as: Callable[[Flask, str | None], FlaskClient]
) -> None:
    """Tests that JSON answers are not compressed, so the ETag a client sends back in
    If-Match is the version the API issued."""
    app = make_web_app()
    c = client_as(app, "captain")
    answer = c.get("/api/v1/rules", headers={"Accept-Encoding": "gzip"})
    assert answer.status_code == 200
    assert "Content-Encoding" not in answer.headers
    assert ":gzip" not in answer.headers["ETag"]


def test_the_icon(make_web_app: Callable[..., Flask]) -> None:
    """Tests that /favicon.ico answers an icon without sign-in and pages link an icon."""
    app = make_web_app()
    c = app.test_client()
    icon = c.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon.mimetype == "image/vnd.microsoft.icon"
    assert icon.get_data()[:4] == b"\x00\x00\x01\x00"  # the ICO header
    login = c.get("/login").get_data(as_text=True)
    assert 'rel="icon" href="/favicon.ico"' in login
    svg = c.get("/static/favicon.svg")
    assert svg.status_code == 200 and svg.get_data().startswith(b"<svg")
    svg.close()
