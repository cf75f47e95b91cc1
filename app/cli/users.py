"""`jembatan users`: posko console accounts (docs/CONSOLE.md#accounts).

`users add` creates an account and prints its single-use invitation link: how an integrator
gives a faction its first koordinator, who then invites the rest from the console.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import click

from app.cli.common import admin_transaction, echo_json, with_db
from app.config import Settings


@click.group()
def users() -> None:
    """Posko console accounts: add (with an invitation link), list, invite, disable, enable."""


def _ttl(settings: Settings) -> timedelta:
    return timedelta(hours=settings.CONSOLE_INVITATION_TTL_H)


@users.command("add")
@click.option("--faction", "faction_code", required=True)
@click.option("--role", type=click.Choice(["koordinator", "staf"]), default="koordinator",
              show_default=True)
@click.argument("email")
@with_db
def users_add(db: Any, settings: Settings, faction_code: str, role: str, email: str) -> None:
    """Create an account and print its invitation link (single use, expiring)."""
    from app.admin.console_accounts import add_console_account
    from app.audit import cli_actor

    with admin_transaction(db) as session:
        invitation = add_console_account(session, cli_actor(), faction_code, email, role,
                                         _ttl(settings))
        email, code = invitation.account.email, invitation.account.faction.code
    click.echo(f"{email} ({role}, {code}) may set a password until "
               f"{invitation.expires_at.isoformat(timespec='minutes')} with this link, once:")
    click.echo(invitation.link(settings.PUBLIC_URL))


@users.command("invite")
@click.argument("email")
@with_db
def users_invite(db: Any, settings: Settings, email: str) -> None:
    """A new invitation link for an account (a forgotten password); the old one stops."""
    from app.admin.console_accounts import reinvite_console_account
    from app.audit import cli_actor

    with admin_transaction(db) as session:
        invitation = reinvite_console_account(session, cli_actor(), email, _ttl(settings))
    click.echo(invitation.link(settings.PUBLIC_URL))


@users.command("list")
@click.option("--faction", "faction_code", default=None)
@click.option("--json", "as_json", is_flag=True)
@with_db
def users_list(db: Any, settings: Settings, faction_code: str | None, as_json: bool) -> None:
    """List accounts (never a password or a TOTP secret)."""
    from sqlalchemy import select

    from app.admin.factions import faction_or_404
    from app.models import ConsoleAccount

    with admin_transaction(db) as session:
        query = select(ConsoleAccount).order_by(ConsoleAccount.faction_id, ConsoleAccount.email)
        if faction_code:
            query = query.where(
                ConsoleAccount.faction_id == faction_or_404(session, faction_code).id
            )
        items = [
            {"email": a.email, "faction": a.faction.code, "role": a.role, "active": a.active,
             "password_set": a.has_password, "totp": a.has_totp,
             "last_login_at": a.last_login_at}
            for a in session.scalars(query)
        ]
    if as_json:
        echo_json(items)
        return
    for item in items:
        state = ("disabled" if not item["active"]
                 else "active" if item["password_set"] else "invited")
        click.echo(f"{item['email']:<40} {item['faction']:<10} {item['role']:<12} {state}")


@users.command("disable")
@click.argument("email")
@with_db
def users_disable(db: Any, settings: Settings, email: str) -> None:
    """Disable an account: its sessions end at once."""
    from app.admin.console_accounts import set_console_account_active
    from app.audit import cli_actor

    with admin_transaction(db) as session:
        set_console_account_active(session, cli_actor(), email, False)
    click.echo(f"disabled {email}")


@users.command("enable")
@click.argument("email")
@with_db
def users_enable(db: Any, settings: Settings, email: str) -> None:
    """Enable a disabled account again."""
    from app.admin.console_accounts import set_console_account_active
    from app.audit import cli_actor

    with admin_transaction(db) as session:
        set_console_account_active(session, cli_actor(), email, True)
    click.echo(f"enabled {email}")
