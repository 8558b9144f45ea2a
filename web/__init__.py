"""The patrol planning web application and the `patrol` command."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask
from werkzeug.routing import IntegerConverter

if TYPE_CHECKING:
    from werkzeug.routing import Map


class DatabaseInt(IntegerConverter):
    """The ``<int:...>`` of every route: a whole number a database integer holds.

    A larger id in a URL is simply not found (404) instead of overflowing the database.
    """

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def _secret_key(instance: Path) -> str:
    """Return the key kept in ``instance/secret_key``, making it on first start."""
    path = instance / "secret_key"
    if path.is_file():
        return path.read_text(encoding="utf-8").strip()
    key = secrets.token_hex(32)
    path.write_text(key + "\n", encoding="utf-8")
    path.chmod(0o600)
    return key


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create and configure the Flask application.

    The instance folder is ``PATROL_INSTANCE`` (or ``INSTANCE_PATH`` in ``test_config``), else
    Flask's default. Settings (in ``instance/config.py``, or ``PATROL_*`` environment variables):
    ``SECRET_KEY`` (default: a random key kept in ``instance/secret_key``), ``DATABASE_URL``
    (default SQLite ``instance/patrol.sqlite3``; e.g. ``postgresql+psycopg://...``),
    ``DISTRICT`` (district bundle folder; default the default district), ``DISTRICTS``
    (``{id: bundle folder}`` of more districts served besides it, as ``patrol district add``
    adds them; see :mod:`web.districts.registry`),
    ``PERMANENT_SESSION_LIFETIME`` (seconds or timedelta; default 8 hours), ``DEMO_PLAN``
    (make a demo plan on first start; default on unless testing), ``DEMO_PLAN_SOURCE``
    (a plan.json to copy as the demo plan instead of planning one), ``JOBS_WORKER`` (run
    queued planning jobs in a background thread; default on unless testing), ``FIRST_USERS``
    (make one account per role at the first request of an app without users, see
    :mod:`web.accounts.first_users`; default on unless testing), ``PUBLIC_URL`` (the address phones
    reach the app at, e.g. ``https://patrol.example.org``, printed in the check-in QR codes;
    default the address of the request), ``DATABASE_UPGRADE`` (migrate the database schema
    at start; default on, ``PATROL_DATABASE_UPGRADE=off`` leaves it to ``patrol db upgrade``),
    ``TIME_ZONE`` (the zone dates and times are shown in; default the district's),
    ``API_TOKEN_LIFETIME`` (seconds a JSON API token lasts; default the session lifetime),
    ``PUBLIC_MAP_LAYERS`` (what anonymous visitors see of the district map, see
    :mod:`web.district_map.visibility`; default boundary and streets),
    ``BROKER_URL`` (a Celery broker, e.g. ``redis://host:6379/0``: planning jobs go to
    ``patrol worker`` processes instead of a thread of this one; default none),
    ``JOB_CORES`` (cores one job on a worker uses; default 1), ``JOB_ATTEMPTS`` (times a job
    is started before it ends as failed; default 3), ``JOB_LEASE`` (seconds without a
    heartbeat after which a worker counts as lost and its job is taken over; default 60).

    Parameters
    ----------
    test_config
        Settings that replace those read from the instance folder, for tests.

    Returns
    -------
    Flask
        The configured application.
    """
    where = (test_config or {}).get("INSTANCE_PATH") or os.environ.get("PATROL_INSTANCE")
    instance_path = str(Path(where).resolve()) if where else None
    app = Flask(__name__, instance_relative_config=True, instance_path=instance_path)
    app.url_map.converters["int"] = DatabaseInt
    instance = Path(app.instance_path)
    app.config.from_mapping(
        SECRET_KEY=os.environ.get("PATROL_SECRET_KEY"),
        DISTRICT=os.environ.get("PATROL_DISTRICT"),
        DATABASE_URL=os.environ.get("PATROL_DATABASE_URL") or os.environ.get("DATABASE_URL"),
        PERMANENT_SESSION_LIFETIME=timedelta(hours=8),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        DEMO_PLAN=None,
        JOBS_WORKER=None,
        FIRST_USERS=None,
        DEMO_PLAN_SOURCE=os.environ.get("PATROL_DEMO_PLAN"),
        PUBLIC_URL=os.environ.get("PATROL_PUBLIC_URL"),
        BROKER_URL=os.environ.get("PATROL_BROKER_URL"),
        JOB_CORES=os.environ.get("PATROL_JOB_CORES"),
        JOB_ATTEMPTS=os.environ.get("PATROL_JOB_ATTEMPTS"),
        JOB_LEASE=os.environ.get("PATROL_JOB_LEASE"),
    )
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.from_mapping(test_config)
    instance.mkdir(parents=True, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(instance)
    for name in ("DEMO_PLAN", "JOBS_WORKER", "FIRST_USERS"):
        if app.config.get(name) is None:
            app.config[name] = not app.config.get("TESTING", False)

    from web.accounts.auth import bp as auth_bp
    from web.accounts.auth import load_user, require_password_change
    from web.accounts.views import bp as users_bp
    from web.areas.views import bp as areas_bp
    from web.checkin.views import bp as checkin_bp
    from web.csrf import init_csrf
    from web.db import init_db
    from web.district_map.views import bp as map_bp
    from web.jobs.views import bp as jobs_bp
    from web.maps.assets import assets_blueprint
    from web.plans.views import bp as plans_bp
    from web.teams.views import bp as teams_bp
    from web.views_audit import bp as audit_bp
    from web.views_common import init_views

    init_db(app)
    init_csrf(app)
    app.before_request(load_user)
    app.before_request(require_password_change)
    app.register_blueprint(assets_blueprint("vendor", "/static/vendor"))
    app.register_blueprint(auth_bp)
    app.register_blueprint(map_bp)
    app.register_blueprint(plans_bp)
    app.register_blueprint(users_bp)
    app.register_blueprint(jobs_bp)
    app.register_blueprint(areas_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(checkin_bp)
    app.register_blueprint(teams_bp)
    init_views(app)
    from web.plans.publish_views import init_publish

    init_publish(app)
    from web.plans.call_away_views import init_call_away

    init_call_away(app)
    from web.me.views import bp as me_bp

    app.register_blueprint(me_bp)
    from web.swaps.views import init_swaps

    init_swaps(app)
    from web.live.views import bp as live_bp

    app.register_blueprint(live_bp)
    from web.formatting import init_formatting

    init_formatting(app)
    from web.api import init_api

    init_api(app)
    from web.districts.registry import DistrictPaths
    from web.districts.views import init_districts

    init_districts(app)
    app.wsgi_app = DistrictPaths(app.wsgi_app)  # type: ignore[method-assign]
    from web.security import init_security

    init_security(app)
    from web.compression import init_compression

    init_compression(app)
    from web.favicon import init_favicon

    init_favicon(app)
    if app.config.get("BROKER_URL"):
        from web.jobs.celery_worker import init_broker

        init_broker(app)

    if app.config["DEMO_PLAN"] or app.config["JOBS_WORKER"] or app.config["FIRST_USERS"]:
        from web.demo import on_first_request

        on_first_request(app)
    return app
