"""`jembatan duplicates`: review duplicate complaints from a shell, as the API does.

The same functions as `/api/v1/duplicates` (app/admin/duplicates.py), the same refusals (the
reason on stderr, exit status 1, nothing changed), audited with the CLI's actor.
"""

from __future__ import annotations

from typing import Any

import click

from app.cli.common import admin_transaction, echo_json, with_db
from app.config import Settings

STATES = ("suggested", "linked", "rejected")


@click.group()
def duplicates() -> None:
    """Duplicate complaints across factions: list, confirm, reject, link, split."""


@duplicates.command("list")
@click.option("--state", type=click.Choice(STATES), default="suggested", show_default=True)
@click.option("--limit", type=click.IntRange(1, 200), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON array of pairs.")
@with_db
def duplicates_list(db: Any, settings: Settings, state: str, limit: int, as_json: bool) -> None:
    """List complaints in a duplicate state beside their primaries, oldest first."""
    from app.admin.duplicates import describe, list_duplicates

    with admin_transaction(db) as session:
        pairs = describe(session, list_duplicates(session, state=state, limit=limit).items)
    if as_json:
        echo_json(pairs)
        return
    if not pairs:
        click.echo(f"no {state} duplicates")
    for pair in pairs:
        click.echo(_line(pair))


def _line(pair: dict[str, Any]) -> str:
    complaint, primary = pair["complaint"], pair["primary"]
    score = f"{pair['score']:.2f}" if pair["score"] is not None else "-"
    distance = f"{pair['distance_m']:.0f} m" if pair["distance_m"] is not None else "- m"
    target = f"{primary['tracking_code']} ({primary['faction']})" if primary else "-"
    return (f"{complaint['tracking_code']} ({complaint['faction']}) -> {target}  "
            f"{pair['state']} score={score} {distance}  {complaint['title']}")


def _decide(db: Any, action: str, tracking_code: str, primary: str | None = None) -> None:
    from app.admin.duplicates import decide, describe
    from app.audit import cli_actor

    with admin_transaction(db) as session:
        (pair,) = describe(session, [decide(session, cli_actor(), action, tracking_code,
                                            primary)])
    click.echo(_line(pair))


@duplicates.command("confirm")
@click.argument("tracking_code")
@with_db
def duplicates_confirm(db: Any, settings: Settings, tracking_code: str) -> None:
    """Confirm a suggestion: the complaint follows its primary's ticket."""
    _decide(db, "confirm", tracking_code)


@duplicates.command("reject")
@click.argument("tracking_code")
@with_db
def duplicates_reject(db: Any, settings: Settings, tracking_code: str) -> None:
    """Reject a suggestion: the complaint goes to the CRM as its own ticket."""
    _decide(db, "reject", tracking_code)


@duplicates.command("link")
@click.argument("tracking_code")
@click.option("--primary", required=True, help="The primary's tracking code.")
@with_db
def duplicates_link(db: Any, settings: Settings, tracking_code: str, primary: str) -> None:
    """Link a complaint by hand to a primary: the same problem, one ticket."""
    _decide(db, "link", tracking_code, primary)


@duplicates.command("split")
@click.argument("tracking_code")
@with_db
def duplicates_split(db: Any, settings: Settings, tracking_code: str) -> None:
    """Split a linked complaint out: its own CRM ticket from then on."""
    _decide(db, "split", tracking_code)
