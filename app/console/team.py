"""The koordinator's pages: the faction's team (invite, disable) and its settings."""

from __future__ import annotations

from typing import Any

from flask import render_template

from app.console.blueprint import bp
from app.console.session import login_required


@bp.route("/tim")
@login_required("koordinator")
def team() -> Any:
    """The faction's console accounts."""
    return render_template("console/team.html")
