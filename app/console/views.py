"""Signing in and out, invitations, the second factor and the console's shared page helpers.

Pages of the console are the faction's own: every view here is either open (sign-in,
invitation) or behind `login_required`. What every template needs (the member, whether they
may write, the extra navigation entries) comes from `_console_context`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Response,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response as BaseResponse

from app import accounts
from app.console.blueprint import PREFIX, bp
from app.console.responses import client_address, console_url, sign_in_page
from app.console.session import (
    audit,
    current_member,
    login_required,
    settings,
    sign_in,
    sign_out,
)
from app.database import request_session
from app.models import ConsoleAccount

# Navigation entries added by other route modules on this blueprint, shown once their
# endpoint exists (the bulk import, the export and the monthly report).
EXTRA_NAV = (
    ("console.import_form", _l("Import")),
    ("console.export", _l("Export")),
    ("console.monthly_report", _l("Monthly report")),
)
PENDING_KEY = "posko_pending"
PENDING_TTL_S = 300


@bp.app_context_processor
def _console_context() -> dict[str, Any]:
    if request.blueprint != "console" and not request.path.startswith(PREFIX):
        return {}
    functions = current_app.view_functions
    # A 5xx page may be about the database itself: it is drawn without asking it.
    signed_in = None if g.get("console_without_database") else current_member()
    return {
        "member": signed_in,
        "can_write": signed_in is not None and signed_in.faction.active,
        "console_extra_nav": [(e, str(label)) for e, label in EXTRA_NAV if e in functions],
        "console_asset_version": _asset_version(),
    }


def _asset_version() -> str:
    cached = current_app.extensions.get("console_asset_version")
    if cached is None:
        digest = hashlib.sha256()
        for path in sorted(Path(bp.static_folder or "").glob("*")):
            digest.update(path.read_bytes())
        cached = current_app.extensions["console_asset_version"] = digest.hexdigest()[:12]
    return cached


@bp.after_request
def _private(response: Response) -> Response:
    """Console pages hold reporters' data: never cached by anyone."""
    if request.endpoint != "console.static":
        response.headers["Cache-Control"] = "no-store"
    return response


def _throttle() -> accounts.Throttle:
    s = settings()
    return accounts.Throttle(s.CONSOLE_LOGIN_WINDOW_S, s.CONSOLE_LOGIN_MAX_FAILURES,
                             s.CONSOLE_LOGIN_MAX_FAILURES_PER_ADDRESS)


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path inside the console, never another site."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and parts.path.startswith(PREFIX + "/") \
                and "\\" not in target and not target.startswith("//"):
            return target
    return console_url("console.complaints")


# --- sign-in -------------------------------------------------------------------------


@bp.route("/masuk", methods=["GET", "POST"])
def login() -> Any:
    """Sign in with e-mail address and password (then a TOTP code when the account has one)."""
    if request.method == "GET":
        if current_member() is not None:
            return redirect(safe_next(request.args.get("next")))
        return sign_in_page()
    form = request.form
    email = form.get("email", "").strip().lower()[:254]
    password = form.get("password", "")
    next_url = form.get("next")
    draft = {k[len("draft-"):]: v for k, v in form.items() if k.startswith("draft-")}
    db = request_session()
    throttle = _throttle()
    address = client_address()
    if accounts.is_throttled(db, email, address, throttle):
        audit_anonymous("console.sign_in_throttled", email, {"address": address})
        db.commit()
        response = sign_in_page(
            next_url=next_url, draft=draft, status=429, email=email,
            error=_("Too many failed attempts. Wait %(minutes)s minutes and try again.",
                    minutes=int(throttle.window_s // 60)),
        )
        response.headers["Retry-After"] = str(int(throttle.window_s))
        return response
    account = accounts.check_credentials(db, email, password)
    if account is None:
        accounts.record_failure(db, email, address, throttle)
        audit_anonymous("console.sign_in_failed", email, {"address": address})
        db.commit()
        return sign_in_page(next_url=next_url, draft=draft, status=401, email=email,
                            error=_("Wrong e-mail address or password."))
    if account.has_totp:
        session.clear()
        session[PENDING_KEY] = {"id": account.id, "epoch": account.session_epoch,
                                "at": _now_s(), "next": next_url, "draft": draft}
        db.commit()  # a rehashed password
        return redirect(console_url("console.login_code"))
    return _complete_sign_in(account, next_url, draft, factor="password")


def _now_s() -> float:
    import time

    return time.time()


@bp.route("/masuk/kode", methods=["GET", "POST"])
def login_code() -> Any:
    """The second step for an account with TOTP: the 6-digit code from the person's app."""
    pending = session.get(PENDING_KEY)
    db = request_session()
    account = None
    if isinstance(pending, dict) and _now_s() - float(pending.get("at", 0)) <= PENDING_TTL_S:
        account = db.get(ConsoleAccount, pending.get("id"))
        if account is not None and (not account.active
                                    or account.session_epoch != pending.get("epoch")):
            account = None
    if account is None:
        session.pop(PENDING_KEY, None)
        return redirect(console_url("console.login"))
    if request.method == "GET":
        return render_template("console/login_code.html")
    throttle = _throttle()
    address = client_address()
    if accounts.is_throttled(db, account.email, address, throttle):
        session.pop(PENDING_KEY, None)
        audit_anonymous("console.sign_in_throttled", account.email, {"address": address})
        db.commit()
        return sign_in_page(status=429, email=account.email, error=_(
            "Too many failed attempts. Wait %(minutes)s minutes and try again.",
            minutes=int(throttle.window_s // 60)))
    if not accounts.totp_matches(account, request.form.get("code", "")):
        accounts.record_failure(db, account.email, address, throttle)
        audit_anonymous("console.sign_in_failed", account.email,
                        {"address": address, "factor": "totp"})
        db.commit()
        body = render_template("console/login_code.html",
                               error=_("That code is not valid. Enter the current code."))
        return Response(body, status=401, mimetype="text/html")
    session.pop(PENDING_KEY, None)
    return _complete_sign_in(account, pending.get("next"), pending.get("draft") or {},
                             factor="totp")


def _complete_sign_in(account: ConsoleAccount, next_url: str | None, draft: dict[str, str],
                      *, factor: str) -> Any:
    from app.clock import utcnow

    db = request_session()
    accounts.clear_failures(db, account.email)
    account.last_login_at = utcnow()
    sign_in(account)
    audit("console.signed_in", "console_account", str(account.id),
          {"address": client_address(), "factor": factor})
    db.commit()
    target = safe_next(next_url)
    if draft and target.split("?")[0] == url_for("console.new_complaint"):
        # The form sent after the session had expired: back to it, as it was typed.
        from app.console.complaints import complaint_form_page

        return complaint_form_page(draft=draft, restored=True)
    return redirect(target)


def audit_anonymous(action: str, email: str, detail: dict[str, Any]) -> None:
    """An audit entry for someone not signed in (a failed or throttled sign-in)."""
    from app import audit as audit_log

    account = accounts.find_account(request_session(), email) if email else None
    audit_log.record(request_session(), f"posko:{email or 'anonymous'}"[:128], action,
                     "console_account", str(account.id) if account else None,
                     {**detail, **({"faction": account.faction.code} if account else {})})


@bp.route("/keluar", methods=["POST"])
def logout() -> Any:
    """Sign out (a POST with the CSRF token, so no other site can sign a member out)."""
    member = current_member()
    if member is not None:
        audit("console.signed_out", "console_account", str(member.id))
        request_session().commit()
    sign_out()
    flash(_("You have signed out."), "ok")
    return redirect(console_url("console.login"))


@bp.route("/")
@login_required()
def home() -> BaseResponse:
    """The console's front page is the faction's complaint list."""
    return redirect(console_url("console.complaints"))

