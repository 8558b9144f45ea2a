"""The app's icon: ``/favicon.ico`` for browsers that ask for it, an SVG linked from pages."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app, send_from_directory

if TYPE_CHECKING:
    from flask import Flask, Response

MAX_AGE = 7 * 24 * 3600
"""Seconds a browser may keep the icon."""


def favicon() -> Response:
    """Return the icon (a shield in the app's colours) from the static folder."""
    folder = current_app.static_folder
    assert folder is not None  # the app has its static folder (web/static)
    return send_from_directory(
        folder, "favicon.ico", mimetype="image/vnd.microsoft.icon", max_age=MAX_AGE
    )


def init_favicon(app: Flask) -> None:
    """Serve ``/favicon.ico`` (no sign-in needed)."""
    app.add_url_rule("/favicon.ico", "favicon", favicon)
