"""Commands on accounts: users and API tokens."""

from __future__ import annotations

import sys

import click

from service.cli.main import cli_runtime, main
from service.errors import InvalidRequestError, NotFoundError


@main.group()
def users() -> None:
    """Manage the people and systems that use the service."""


@users.command("add")
@click.argument("name")
@click.option(
    "--role", type=click.Choice(["submitter", "attorney", "clerk", "auditor", "admin"]), required=True
)
@click.option("--court", "courts", multiple=True, help="a court code a clerk files for (repeatable)")
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
@click.option("--no-password", is_flag=True, help="an account for API tokens only")
def users_add(name: str, role: str, courts: tuple[str, ...], password_stdin: bool, no_password: bool) -> None:
    """Add a user; asks for a password unless --no-password."""
    from service.db.accounts import Accounts, Role

    password: str | None = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    elif not no_password:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if password is not None and len(password) < 12:
        raise InvalidRequestError("a password needs at least 12 characters")
    accounts = Accounts(cli_runtime().store)
    user = accounts.add_user(name, Role(role), list(courts), password)
    click.echo(f"added {user.name} ({user.role.value}{': ' + ', '.join(user.courts) if user.courts else ''})")


@main.group()
def tokens() -> None:
    """Manage API tokens (stored hashed; shown once)."""


@tokens.command("create")
@click.argument("name")
def tokens_create(name: str) -> None:
    """Create an API token for user NAME and print it (it cannot be shown again)."""
    from service.db.accounts import Accounts

    token_id, token = Accounts(cli_runtime().store).create_token(name)
    click.echo(f"token {token_id} for {name} (keep it secret; it is not stored):", err=True)
    click.echo(token)


@tokens.command("revoke")
@click.argument("token_id", type=int)
def tokens_revoke(token_id: int) -> None:
    """Revoke an API token by its number."""
    from service.db.accounts import Accounts

    if not Accounts(cli_runtime().store).revoke_token(token_id):
        raise NotFoundError(f"no active token {token_id}")
    click.echo(f"revoked token {token_id}")
