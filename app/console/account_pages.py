"""A member's own account: accepting an invitation (setting a password) and the second factor.

An invitation link opens a page to choose a password; once set, the link is used up and the
person is signed in (or asked for a code, never: a new account has no TOTP yet). When the
faction requires TOTP, a member without it is sent to enrol before anything else.
"""

from __future__ import annotations

from typing import Any

from flask import Response, flash, redirect, render_template, request, session
from flask_babel import gettext as _

from app import accounts
from app.console.blueprint import bp
from app.console.responses import client_address, console_url
from app.console.session import (
    audit,
    current_member,
    login_required,
    sign_in,
)
from app.database import request_session

ENROL_KEY = "posko_totp_secret"


def _page(template: str, status: int = 200, **context: Any) -> Response:
    return Response(render_template(template, **context), status=status, mimetype="text/html")


@bp.route("/undangan/<token>", methods=["GET", "POST"])
def invitation(token: str) -> Any:
    """Open an invitation: choose a password, then signed in."""
    db = request_session()
    try:
        found = accounts.open_invitation(db, token)
    except accounts.AccountError as error:
        problems = {
            "used": _("This invitation link was already used. If you have not set your "
                      "password, ask your koordinator for a new link."),
            "expired": _("This invitation link has expired. Ask your koordinator for a new "
                         "link."),
            "disabled": _("This account is disabled."),
        }
        return _page("console/invitation.html",
                     status=410 if error.code in ("used", "expired") else 404,
                     problem=problems.get(error.code, _("This invitation link is not valid.")))
    if request.method == "GET":
        return _page("console/invitation.html", account=found.account, errors={})
    password = request.form.get("password", "")
    errors: dict[str, list[str]] = {}
    if password != request.form.get("confirm", ""):
        errors["confirm"] = [_("The two passwords differ.")]
    if len(password) < accounts.PASSWORD_MIN:
        errors["password"] = [_("Use at least %(n)s characters.", n=accounts.PASSWORD_MIN)]
    elif len(password) > accounts.PASSWORD_MAX:
        errors["password"] = [_("Use at most %(n)s characters.", n=accounts.PASSWORD_MAX)]
    if errors:
        return _page("console/invitation.html", status=422, account=found.account,
                     errors=errors)
    account = accounts.accept_invitation(db, token, password)
    sign_in(account)
    audit("console.invitation_accepted", "console_account", str(account.id),
          {"address": client_address()})
    db.commit()
    flash(_("Your password is set and you are signed in."), "ok")
    return redirect(console_url("console.complaints"))


@bp.route("/akun")
@login_required()
def security() -> Response:
    """The member's own account: role, faction, second factor."""
    member = current_member()
    assert member is not None
    return _page("console/security.html",
                 required=accounts.totp_required(request_session(), member.faction_id))


@bp.route("/akun/totp", methods=["GET", "POST"])
@login_required()
def totp_setup() -> Response:
    """Enrol an authenticator app: its secret and otpauth URI as text, then a code to prove
    the app has it."""
    member = current_member()
    assert member is not None
    secret = session.get(ENROL_KEY)
    if request.method == "GET" or not secret:
        secret = accounts.new_totp_secret()
        session[ENROL_KEY] = secret
        return _page("console/totp.html", secret=secret,
                     uri=accounts.totp_uri(secret, member.email), errors={})
    db = request_session()
    try:
        accounts.enable_totp(member, secret, request.form.get("code", ""))
    except accounts.AccountError:
        return _page("console/totp.html", status=422, secret=secret,
                     uri=accounts.totp_uri(secret, member.email), errors={"code": [
                         _("That code does not match; check the app's clock and try again.")
                     ]})
    session.pop(ENROL_KEY, None)
    audit("console.totp_enabled", "console_account", str(member.id))
    db.commit()
    flash(_("Two-step verification is on: signing in now asks for a code from your app."),
          "ok")
    return redirect(console_url("console.security"))
