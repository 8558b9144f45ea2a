"""The app's icon: ``/favicon.ico`` for browsers that ask for it, an SVG linked from pages."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING

from flask import Response

if TYPE_CHECKING:
    from flask import Flask

ICON = Path(__file__).parent / "static" / "favicon.ico"
"""A shield in the app's colours, 16, 32 and 48 px."""

MAX_AGE = 7 * 24 * 3600
"""Seconds a browser may keep the icon."""


@functools.cache
def _icon_bytes() -> bytes:
    return ICON.read_bytes()


def favicon() -> Response:
    """Return the icon (read once; 5 kB)."""
    response = Response(_icon_bytes(), mimetype="image/vnd.microsoft.icon")
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE
    return response


def init_favicon(app: Flask) -> None:
    """Serve ``/favicon.ico`` (no sign-in needed)."""
    app.add_url_rule("/favicon.ico", "favicon", favicon)
