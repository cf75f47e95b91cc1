"""`jembatan dlq`: dead letters, the outbox messages that gave up."""

from __future__ import annotations

from typing import Any

import click

from app.cli.common import admin_transaction, echo_json, with_db
from app.config import Settings


@click.group()
def dlq() -> None:
    """Dead letters: outbox messages that gave up."""


@dlq.command("list")
@click.option("--topic", default=None)
@click.option("--limit", type=click.IntRange(1, 200), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@with_db
def dlq_list(db: Any, settings: Settings, topic: str | None, limit: int, as_json: bool) -> None:
    """List dead letters, newest first."""
    from app.admin.outbox import list_messages

    with admin_transaction(db) as session:
        page = list_messages(session, state="dead", topic=topic, limit=limit)
        items = [
            {"id": m.id, "topic": m.topic, "destination": m.destination,
             "complaint_id": m.complaint_id, "attempts": m.attempts,
             "last_status_code": m.last_status_code, "last_error": m.last_error,
             "dead_at": m.dead_at}
            for m in page.items
        ]
    if as_json:
        echo_json(items)
        return
    if not items:
        click.echo("no dead letters")
    for item in items:
        click.echo(f"{item['id']:<8} {item['topic']:<18} attempts={item['attempts']:<3} "
                   f"{item['last_status_code'] or '-'} {item['last_error'] or ''}")


@dlq.command("replay")
@click.argument("message_ids", nargs=-1, type=int, required=True)
@with_db
def dlq_replay(db: Any, settings: Settings, message_ids: tuple[int, ...]) -> None:
    """Put dead letters back in the queue (all, or none if one id is bad)."""
    from app.admin.outbox import replay_dead_letters
    from app.audit import cli_actor

    with admin_transaction(db) as session:
        replayed = [m.id for m in replay_dead_letters(session, cli_actor(), message_ids)]
    click.echo(f"replayed {len(replayed)}: {' '.join(str(i) for i in replayed)}")
