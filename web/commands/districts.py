"""The `patrol district add`, `list` and `grant` commands: many districts in one service."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from web.db import ROLES


@click.command("add")
@click.argument("ident", metavar="ID")
@click.argument("folder", metavar="PATH", type=click.Path(file_okay=False, path_type=Path))
@click.option("--name", default="", help="The district's name in the switcher (default: ID).")
@with_appcontext
def add_command(ident: str, folder: Path, name: str) -> None:
    """Serve the district bundle in PATH as district ID besides the default one.

    The bundle is checked first; the app plans and edits a copy of it in the instance folder.
    """
    from web.db import new_session
    from web.districts.registry import add_district

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with new_session(app) as session:
        add_district(app, session, ident, folder, name)
    click.echo(f"Added district {ident} from {folder}; grant roles with `patrol district grant`.")


@click.command("list")
@with_appcontext
def list_command() -> None:
    """List the districts of the service, the default one first."""
    from web.db import new_session
    from web.districts.registry import added_districts, default_district, default_source

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with new_session(app) as session:
        added = added_districts(app, session)
    click.echo(f"{default_district(app)}\t{default_source(app)}\t(default)")
    for ident, (name, folder) in sorted(added.items()):
        click.echo(f"{ident}\t{folder}\t{name}")


@click.command("grant")
@click.argument("ident", metavar="ID")
@click.argument("user_name", metavar="USER")
@click.argument("role", type=click.Choice((*ROLES, "none")))
@with_appcontext
def grant_command(ident: str, user_name: str, role: str) -> None:
    """Give USER the ROLE in district ID (``none``: no role there).

    A user with roles per district has those and no other; one without any has their
    users-page role in the default district only.
    """
    from web.db import find_user, new_session
    from web.districts.registry import DistrictError, grant, roles_of

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with new_session(app) as session:
        user = find_user(session, user_name)
        if user is None:
            msg = f"There is no user {user_name!r}."
            raise DistrictError(msg)
        grant(app, session, user, ident, role)
        roles = roles_of(app, session, user)
    shown = ", ".join(f"{d}: {r}" for d, r in roles.items()) or "none"
    click.echo(f"{user_name} now has these roles: {shown}.")
