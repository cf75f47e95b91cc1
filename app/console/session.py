"""Who is signed in to the console, and what they may do (docs/CONSOLE.md#sessions).

The session is Flask's signed cookie (configured in app.console): it holds the account's id,
its `session_epoch` and the time of the last request. Every request reloads the account, so
a disabled account or a new password ends every session at once; a session idle longer than
JEMBATAN_CONSOLE_IDLE_TIMEOUT_S ends too.

Route modules use `login_required(role)`, `current_member()`, `can_write()` /
`require_write()` and `audit(...)`; nothing else about sessions.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from app import accounts
from app import audit as audit_log
from app.console.blueprint import bp
from app.console.responses import render_console_error, sign_in_page
from app.database import request_session
from app.models import ConsoleAccount, Faction

SESSION_KEY = "posko"
# Pages a member without TOTP can reach when the faction requires it: enrolment itself.
TOTP_EXEMPT = frozenset({"console.totp_setup", "console.security"})

View = TypeVar("View", bound=Callable[..., Any])


def settings() -> Any:
    """This application's settings (app.config.Settings)."""
    return current_app.extensions["settings"]


def current_member() -> ConsoleAccount | None:
    """The signed-in account (with `.faction`, `.faction_id`, `.role`, `.email`, `.id`), or
    None. Loaded once per request; an account disabled or re-keyed since sign-in is None."""
    if "console_member" in g:
        return g.console_member
    member = None
    state = session.get(SESSION_KEY)
    if isinstance(state, dict):
        account = request_session().get(ConsoleAccount, state.get("id"))
        if (
            account is not None
            and account.active
            and account.session_epoch == state.get("epoch")
            and time.time() - float(state.get("seen", 0)) <= settings().CONSOLE_IDLE_TIMEOUT_S
        ):
            member = account
    g.console_member = member
    return member


def current_faction() -> Faction:
    """The signed-in member's faction (inside `login_required` views only)."""
    member = current_member()
    if member is None:  # pragma: no cover - login_required ran first
        abort(401)
    return member.faction


def sign_in(account: ConsoleAccount) -> None:
    """Start a session for `account` (a fresh one: nothing from before sign-in carries over)."""
    session.clear()
    session[SESSION_KEY] = {"id": account.id, "epoch": account.session_epoch, "seen": time.time()}
    g.console_member = account


def sign_out() -> None:
    """End the session (the cookie is emptied)."""
    session.clear()
    g.console_member = None


def can_write() -> bool:
    """Whether the signed-in member may change anything: a disabled faction only reads."""
    member = current_member()
    return member is not None and member.faction.active


def require_write() -> None:
    """Stop with a 403 page when the member's faction is disabled (reading stays open)."""
    if not can_write():
        g.console_error_detail = _(
            "Your faction is disabled in Jembatan: you can read its complaints but not change "
            "anything."
        )
        abort(403)


def actor() -> str:
    """The audit log's name for the signed-in member."""
    member = current_member()
    return f"posko:{member.email}" if member is not None else "posko:anonymous"


def audit(action: str, target_type: str, target_id: str | None = None,
          detail: dict[str, Any] | None = None) -> None:
    """Add an audit entry for the signed-in member to the request's transaction (the view
    commits it with its own work)."""
    member = current_member()
    base = {"faction": member.faction.code} if member is not None else {}
    audit_log.record(request_session(), actor(), action, target_type, target_id,
                     {**base, **(detail or {})})


def login_required(role: str | None = None) -> Callable[[View], View]:
    """A view for signed-in members only (`role="koordinator"`: koordinators only).

    Not signed in (or the session expired): back to the sign-in page, which returns here
    afterwards. Signed in with the wrong role: a 403 page.
    """

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            member = current_member()
            if member is None:
                return _to_sign_in()
            if (request.endpoint not in TOTP_EXEMPT and not member.has_totp
                    and accounts.totp_required(request_session(), member.faction_id)):
                # The faction requires a second factor: enrol before anything else.
                return redirect(url_for("console.totp_setup", **_lang_arg()))
            if role is not None and member.role != role:
                g.console_error_detail = _("Only a koordinator of your faction can do this.")
                abort(403)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def _to_sign_in() -> Any:
    if request.method == "POST":
        # A form sent after the session expired: the sign-in page keeps what was typed and
        # hands it back to the form once signed in (docs/CONSOLE.md#sessions).
        return sign_in_page(next_url=request.path, draft=_draft(request.form), status=401)
    return redirect(url_for("console.login", next=request.full_path.rstrip("?"),
                            **_lang_arg()))


# Forms shown to people not signed in.
OPEN_FORMS = frozenset({"console.login", "console.login_code", "console.invitation"})
DRAFT_EXCLUDED = frozenset({"csrf_token", "password", "code", "new_password", "confirm"})


def _draft(form: Any) -> dict[str, str]:
    return {k: v for k, v in form.items() if k not in DRAFT_EXCLUDED}


def _lang_arg() -> dict[str, str]:
    return {"lang": "en"} if request.args.get("lang") == "en" else {}


@bp.before_request
def _keep_session_alive() -> None:
    """Refresh the idle clock, or end a session idle too long; check CSRF on every POST."""
    state = session.get(SESSION_KEY)
    if isinstance(state, dict):
        if current_member() is None:
            session.pop(SESSION_KEY, None)
            flash(_("You were signed out after a period of inactivity. Sign in again."), "info")
        elif request.endpoint != "console.static":
            state["seen"] = time.time()
            session.modified = True
    if request.method == "POST":
        current_app.extensions["console_csrf"].protect()


@bp.errorhandler(CSRFError)
def _csrf_refused(error: CSRFError) -> Any:
    """A form without a valid token: never acted on. Signed in, the form comes back with
    what was typed (a new token); otherwise the sign-in page keeps it."""
    current_app.logger.info("console CSRF refusal on %s: %s", request.path, error.description)
    if request.endpoint in OPEN_FORMS:
        # Sign-in, its code, an invitation: nothing worth keeping but the page itself.
        flash(_("The form had expired. Please try again."), "warn")
        return redirect(request.full_path.rstrip("?"))
    member = current_member()
    if member is None:
        return sign_in_page(next_url=request.path, draft=_draft(request.form), status=400,
                            message=_("Your session expired. Sign in again to continue."))
    g.console_form_expired = True
    g.console_draft = _draft(request.form)
    endpoint = request.endpoint or ""
    view = current_app.view_functions.get(endpoint)
    redisplay = getattr(view, "redisplay", None)
    if redisplay is not None:
        return redisplay(**(request.view_args or {}))
    # (An error handler cannot abort again: the page is rendered here.)
    g.console_error_detail = _(
        "This form had expired, so nothing was changed. Go back, reload the page and try again."
    )
    return render_console_error(400, "Bad Request", "")
