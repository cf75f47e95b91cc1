"""Console accounts as an integrator creates them (CLI and admin API): a faction's first
koordinator, by invitation (docs/CONSOLE.md#accounts). Every change is audited."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from app import accounts, audit
from app.admin.factions import faction_or_404
from app.errors import Problem
from app.models import ConsoleAccount


def add_console_account(
    session: Session, actor: str, faction_code: str, email: str, role: str, ttl: timedelta
) -> accounts.Invitation:
    """A new account for the faction with its invitation; a refused one changes nothing."""
    faction = faction_or_404(session, faction_code)
    try:
        invitation = accounts.add_account(session, faction, email, role, created_by=actor,
                                          ttl=ttl)
    except accounts.AccountError as error:
        status = 409 if error.code == "taken" else 422
        raise Problem(status, "Conflict" if status == 409 else "Validation failed", str(error),
                      slug="conflict" if status == 409 else "validation-error",
                      errors={error.field or "email": [str(error)]}) from None
    audit.record(session, actor, "console.account_invited", "console_account",
                 str(invitation.account.id),
                 {"faction": faction.code, "email": invitation.account.email, "role": role})
    return invitation


def reinvite_console_account(
    session: Session, actor: str, email: str, ttl: timedelta
) -> accounts.Invitation:
    """A new invitation link for an existing, active account (the old link stops working)."""
    account = _account_or_404(session, email)
    if not account.active:
        raise Problem(409, "Conflict", f"{account.email} is disabled; enable it first.",
                      slug="conflict")
    invitation = accounts.invite(session, account, created_by=actor, ttl=ttl)
    audit.record(session, actor, "console.account_reinvited", "console_account",
                 str(account.id), {"faction": account.faction.code, "email": account.email})
    return invitation


def set_console_account_active(
    session: Session, actor: str, email: str, active: bool
) -> ConsoleAccount:
    """Disable an account (its sessions end at once) or enable it again."""
    account = _account_or_404(session, email)
    accounts.set_active(account, active)
    audit.record(session, actor,
                 "console.account_enabled" if active else "console.account_disabled",
                 "console_account", str(account.id),
                 {"faction": account.faction.code, "email": account.email})
    return account


def _account_or_404(session: Session, email: str) -> ConsoleAccount:
    account = accounts.find_account(session, email)
    if account is None:
        raise Problem(404, "Not found", f"There is no console account {email!r}.",
                      slug="not-found")
    return account
