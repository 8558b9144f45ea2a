"""The `patrol users` commands: create the first admin and other users from the command line."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from web.db import ROLES


@click.group("users")
def users() -> None:
    """Manage the web app's users."""


@users.command("create")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True, help="The user's role.")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input instead of prompting.",
)
@click.option(
    "--group",
    "groups",
    multiple=True,
    help="Patrol group id whose routes a member sees (repeatable).",
)
@with_appcontext
def create_command(name: str, role: str, password_stdin: bool, groups: tuple[str, ...]) -> None:
    """Create user NAME with a role, asking for the password (typed twice)."""
    from flask import current_app

    from web.accounts import check_new_user, create_user
    from web.db import new_session

    with new_session(current_app) as session:
        check_new_user(session, name, role, "x" * 64)  # refuse a bad name before asking
        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        user = create_user(session, name, role, password, groups=groups)
        click.echo(f"Created user {user.name} ({user.role}).")
