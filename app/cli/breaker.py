"""`jembatan breaker`: the circuit breakers of the CRM and the webhook subscribers.

See docs/OPERATIONS.md#circuit-breakers for what the figures mean and when to reset one by
hand.
"""

from __future__ import annotations

from typing import Any

import click

from app.cli.common import admin_transaction, echo_json, with_db
from app.config import Settings


@click.group()
def breaker() -> None:
    """Circuit breakers: list them, close one by hand."""


def describe_line(entry: dict[str, Any]) -> str:
    """One breaker on one line: state, window figures, next probe, pause."""
    window = entry["window"]
    line = (f"{entry['destination']:<18} {entry['state']:<9} window={window['calls']} calls "
            f"{window['failures']} failed ({window['failure_rate']:.0%})")
    if entry["next_probe_at"]:
        line += f" next_probe={entry['next_probe_at']}"
    if entry["paused_until"]:
        line += f" paused_until={entry['paused_until']}"
    return line


@breaker.command("list")
@click.option("--json", "as_json", is_flag=True)
@with_db
def breaker_list(db: Any, settings: Settings, as_json: bool) -> None:
    """Every destination's breaker."""
    from app.admin.breakers import list_breakers

    with db.session() as session:
        items = list_breakers(session, settings)
    if as_json:
        echo_json(items)
        return
    if not items:
        click.echo("no breakers yet (no destination was called)")
    for entry in items:
        click.echo(describe_line(entry))


@breaker.command("reset")
@click.argument("destination")
@with_db
def breaker_reset(db: Any, settings: Settings, destination: str) -> None:
    """Close DESTINATION's breaker by hand (`crm`, `webhook:<subscription id>`), audited."""
    from app.admin.breakers import reset_breaker
    from app.audit import cli_actor

    with admin_transaction(db) as session:
        entry = reset_breaker(session, settings, cli_actor(), destination)
    click.echo(f"reset: {describe_line(entry)}")
