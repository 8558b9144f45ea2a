"""Gzip-compressed answers: pages, stylesheets, scripts and map frames (flask-compress).

A district map frame is some 600 kB of HTML and GeoJSON that gzip brings to a fraction of
that. Only text the browser shows is compressed: the JSON API is left as it is, because the
compressor appends ``:gzip`` to strong ETags and the API's ``If-Match`` compares versions
(see :mod:`web.api.core`); files already compressed (PDF, XLSX, PNG) gain nothing. Files
sent as streams (static files, downloads) go out as they are: flask-compress would pack them
with other algorithms than gzip, and the browser keeps the static ones in its cache.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask_compress import Compress

if TYPE_CHECKING:
    from flask import Flask

MIMETYPES = (
    "text/html",
    "text/css",
    "text/plain",
    "text/csv",
    "text/calendar",
    "text/javascript",
    "application/javascript",
    "application/geo+json",
    "application/gpx+xml",
    "image/svg+xml",
)
"""What is compressed (the JSON API is not, see the module's docstring)."""

MIN_SIZE = 1024
"""Answers shorter than this many bytes go out as they are."""


def init_compression(app: Flask) -> None:
    """Compress the app's answers with gzip for browsers that accept it.

    Settings already in ``app.config`` (``COMPRESS_*``, see flask-compress) are kept.
    """
    app.config.setdefault("COMPRESS_ALGORITHM", ["gzip"])
    app.config.setdefault("COMPRESS_MIMETYPES", list(MIMETYPES))
    app.config.setdefault("COMPRESS_MIN_SIZE", MIN_SIZE)
    app.config.setdefault("COMPRESS_LEVEL", 6)
    app.config.setdefault("COMPRESS_STREAMS", False)
    Compress(app)
