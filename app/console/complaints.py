"""The faction's complaints: the list with filters, one complaint, and entering a new one."""

from __future__ import annotations

from typing import Any

from flask import render_template

from app.console.blueprint import bp
from app.console.session import login_required


@bp.route("/aduan")
@login_required()
def complaints() -> Any:
    """The faction's complaints, newest first."""
    return render_template("console/complaints.html")


@bp.route("/aduan/baru", methods=["GET", "POST"])
@login_required()
def new_complaint() -> Any:
    """Enter a complaint taken at the posko."""
    return complaint_form_page()


def complaint_form_page(draft: dict[str, str] | None = None, restored: bool = False) -> Any:
    return render_template("console/complaint_form.html", draft=draft or {}, restored=restored)
