"""The patrol planning web application and the `patrol` command."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create and configure the Flask application.

    Parameters
    ----------
    test_config
        Settings that replace those read from the instance folder, for tests.

    Returns
    -------
    Flask
        The configured application.
    """
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(
        SECRET_KEY=os.environ.get("PATROL_SECRET_KEY", "dev"),
        DISTRICT=os.environ.get("PATROL_DISTRICT"),
    )
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.from_mapping(test_config)
    return app
