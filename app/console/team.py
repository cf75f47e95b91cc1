"""The koordinator's pages: the faction's team (invite, disable, new link) and its settings
(TOTP for everyone; the integration's webhook and keys, by id only, never a secret)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request
from flask_babel import gettext as _
from sqlalchemy import select

from app import accounts
from app.console.blueprint import bp
from app.console.responses import console_url
from app.console.session import (
    audit,
    current_member,
    login_required,
    require_write,
    settings,
)
from app.database import request_session
from app.models import CONSOLE_ROLES, ApiKey, ConsoleAccount, WebhookSubscription


def _team_page(status: int = 200, invitation: Any = None, errors: dict[str, list[str]] | None
               = None, draft: dict[str, str] | None = None) -> Response:
    member = current_member()
    assert member is not None
    db = request_session()
    body = render_template(
        "console/team.html",
        team=accounts.accounts_of(db, member.faction_id),
        totp_required=accounts.totp_required(db, member.faction_id),
        invitation=invitation, errors=errors or {}, draft=draft or {}, roles=CONSOLE_ROLES,
        webhook=db.scalars(select(WebhookSubscription).where(
            WebhookSubscription.faction_id == member.faction_id)).first(),
        keys=list(db.scalars(select(ApiKey).where(ApiKey.faction_id == member.faction_id)
                             .order_by(ApiKey.created_at))),
        faction=member.faction,
    )
    return Response(body, status=status, mimetype="text/html")


def _ttl() -> timedelta:
    return timedelta(hours=settings().CONSOLE_INVITATION_TTL_H)


@bp.route("/tim")
@login_required("koordinator")
def team() -> Response:
    """The faction's console accounts, the invitation form and the faction's settings."""
    return _team_page()


@bp.route("/tim/undang", methods=["POST"])
@login_required("koordinator")
def invite() -> Response:
    """Invite a person to the faction's posko: the page shows the link once, to hand over."""
    require_write()
    member = current_member()
    assert member is not None
    email = request.form.get("email", "").strip()
    role = request.form.get("role", "staf")
    db = request_session()
    try:
        invitation = accounts.add_account(db, member.faction, email, role,
                                          created_by=f"posko:{member.email}", ttl=_ttl())
    except accounts.AccountError as error:
        db.rollback()
        messages = {
            "taken": _("This e-mail address already has an account."),
            "invalid": _("Not an e-mail address.") if error.field == "email"
            else _("Unknown role."),
        }
        field = error.field or "email"
        return _team_page(status=422, errors={field: [messages.get(error.code, str(error))]},
                          draft={"email": email, "role": role})
    audit("console.account_invited", "console_account", str(invitation.account.id),
          {"email": invitation.account.email, "role": invitation.account.role})
    db.commit()
    return _team_page(invitation=invitation)


def _faction_account(account_id: int) -> ConsoleAccount:
    member = current_member()
    assert member is not None
    account = request_session().get(ConsoleAccount, account_id)
    if account is None or account.faction_id != member.faction_id:
        abort(404)
    return account


@bp.route("/tim/<int:account_id>/tautan", methods=["POST"])
@login_required("koordinator")
def reinvite(account_id: int) -> Response:
    """A new invitation link for a member (a forgotten password): the old link stops working,
    and so does the old password once the new one is set."""
    require_write()
    account = _faction_account(account_id)
    if not account.active:
        abort(409)
    member = current_member()
    assert member is not None
    db = request_session()
    invitation = accounts.invite(db, account, created_by=f"posko:{member.email}", ttl=_ttl())
    audit("console.account_reinvited", "console_account", str(account.id),
          {"email": account.email})
    db.commit()
    return _team_page(invitation=invitation)


@bp.route("/tim/<int:account_id>/status", methods=["POST"])
@login_required("koordinator")
def set_status(account_id: int) -> Response:
    """Disable a member (their sessions end at once) or enable them again."""
    require_write()
    account = _faction_account(account_id)
    member = current_member()
    assert member is not None
    active = request.form.get("active") == "1"
    if account.id == member.id and not active:
        flash(_("You cannot disable your own account."), "error")
        return redirect(console_url("console.team"))
    accounts.set_active(account, active)
    audit("console.account_enabled" if active else "console.account_disabled",
          "console_account", str(account.id), {"email": account.email})
    request_session().commit()
    flash(_("%(email)s is enabled.", email=account.email) if active
          else _("%(email)s is disabled and signed out.", email=account.email), "ok")
    return redirect(console_url("console.team"))


@bp.route("/tim/totp", methods=["POST"])
@login_required("koordinator")
def require_totp() -> Response:
    """Require (or stop requiring) a second factor of every member of the faction."""
    require_write()
    member = current_member()
    assert member is not None
    required = request.form.get("required") == "1"
    db = request_session()
    accounts.require_totp(db, member.faction_id, required)
    audit("console.totp_required" if required else "console.totp_optional", "faction",
          str(member.faction_id))
    db.commit()
    flash(_("Two-step verification is now required for everyone in your faction.") if required
          else _("Two-step verification is now optional."), "ok")
    return redirect(console_url("console.team"))
