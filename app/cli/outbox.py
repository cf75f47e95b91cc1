"""`jembatan outbox`: the queue of outgoing work, at a glance."""

from __future__ import annotations

from typing import Any

import click

from app.cli.common import echo_json, with_db
from app.config import Settings


@click.group()
def outbox() -> None:
    """The outbox of outgoing work."""


@outbox.command("stats")
@click.option("--json", "as_json", is_flag=True)
@with_db
def outbox_stats_command(db: Any, settings: Settings, as_json: bool) -> None:
    """Depth, oldest age and last errors per topic and state; every breaker's state and
    window."""
    from app.admin.breakers import list_breakers
    from app.admin.outbox import outbox_stats
    from app.cli.breaker import describe_line

    with db.session() as session:
        stats = outbox_stats(session)
        breakers = list_breakers(session, settings)
    if as_json:
        echo_json(stats)  # as before; `jembatan breaker list --json` has the breakers
        return
    for entry in breakers:
        click.echo(f"breaker {describe_line(entry)}")
    if not stats:
        click.echo("outbox empty (nothing pending or dead)")
    for entry in stats:
        age = entry["oldest_age_seconds"]
        click.echo(f"{entry['topic']:<18} {entry['state']:<8} depth={entry['depth']:<6} "
                   f"oldest={age:.0f}s")
        for error in entry["last_errors"]:
            click.echo(f"    #{error['id']} {error['status_code'] or '-'} {error['error']}")
