"""`jembatan audit`: the audit log of administrative actions."""

from __future__ import annotations

from typing import Any

import click

from app.cli.common import admin_transaction, echo_json, with_db
from app.config import Settings


@click.group("audit")
def audit_group() -> None:
    """The audit log of administrative actions."""


@audit_group.command("list")
@click.option("--action", default=None, help="an action, or a prefix ending in '.'")
@click.option("--target-type", default=None)
@click.option("--target-id", default=None)
@click.option("--limit", type=click.IntRange(1, 200), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@with_db
def audit_list(
    db: Any,
    settings: Settings,
    action: str | None,
    target_type: str | None,
    target_id: str | None,
    limit: int,
    as_json: bool,
) -> None:
    """Show audit entries, newest first."""
    from app.admin.audit_log import list_audit

    with admin_transaction(db) as session:
        page = list_audit(session, action=action, target_type=target_type,
                          target_id=target_id, limit=limit)
        items = [
            {"id": e.id, "at": e.created_at, "actor": e.actor, "action": e.action,
             "target_type": e.target_type, "target_id": e.target_id, "detail": e.detail}
            for e in page.items
        ]
    if as_json:
        echo_json(items)
        return
    for item in items:
        click.echo(f"{item['at']:%Y-%m-%d %H:%M:%S} {item['actor']:<20} {item['action']:<18} "
                   f"{item['target_type']}:{item['target_id'] or '-'}")
