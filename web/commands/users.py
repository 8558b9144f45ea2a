"""The `patrol users` commands: create users, change passwords and disable users."""

from __future__ import annotations

import sys
from typing import Any

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

    from web.accounts.users import check_new_user, create_user
    from web.db import new_session

    with new_session(current_app) as session:
        check_new_user(session, name, role, "x" * 64)  # refuse a bad name before asking
        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        user = create_user(session, name, role, password, groups=groups)
        click.echo(f"Created user {user.name} ({user.role}).")


def _user_named(session: Any, name: str) -> Any:
    from web.db import find_user

    user = find_user(session, name)
    if user is None:
        msg = f"There is no user {name!r}."
        raise click.UsageError(msg)
    return user


@users.command("passwd")
@click.argument("name")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input instead of prompting.",
)
@click.option(
    "--must-change",
    is_flag=True,
    help="Make the user choose another password at their next login.",
)
@with_appcontext
def passwd_command(name: str, password_stdin: bool, must_change: bool) -> None:
    """Give user NAME a new password (typed twice); their sessions and API tokens end."""
    from flask import current_app

    from web.accounts.first_users import forget_first_user
    from web.accounts.users import UserError, set_password
    from web.db import new_session

    with new_session(current_app) as session:
        user = _user_named(session, name)
        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
        try:
            set_password(session, user, password, must_change=must_change)
        except UserError as exc:
            raise click.UsageError(str(exc)) from None
        if not must_change:
            forget_first_user(current_app, user.name)
        click.echo(f"Changed the password of {user.name}; their sessions and tokens have ended.")


@users.command("disable")
@click.argument("name")
@click.option("--enable", is_flag=True, help="Enable the user again instead.")
@with_appcontext
def disable_command(name: str, enable: bool) -> None:
    """Disable user NAME (no sign-in; sessions and API tokens end), or --enable them."""
    from flask import current_app

    from web.accounts.users import UserError, set_disabled
    from web.db import new_session

    with new_session(current_app) as session:
        user = _user_named(session, name)
        try:
            set_disabled(session, user, not enable)
        except UserError as exc:
            raise click.UsageError(str(exc)) from None
        click.echo(f"{'Enabled' if enable else 'Disabled'} user {user.name}.")
