"""A member's own account: accepting an invitation (setting a password), TOTP enrolment."""

from __future__ import annotations

from typing import Any

from flask import render_template

from app.console.blueprint import bp
from app.console.session import login_required


@bp.route("/akun")
@login_required()
def security() -> Any:
    """The member's own account: password and second factor."""
    return render_template("console/security.html")
