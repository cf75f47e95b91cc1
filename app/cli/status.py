"""`jembatan status`: the gateway on one screen, and an exit code a monitoring check can use."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click

from app.cli.common import echo_json, with_db
from app.config import Settings

# Exit codes: 0 healthy, 1 an error (click's), 2 a usage error (click's), 3 needs attention.
NEEDS_ATTENTION = 3


@click.command()
@click.option("--json", "as_json", is_flag=True, help="one JSON object (the API's shape)")
@click.option("--max-poll-age", type=float, default=600.0, show_default=True,
              help="seconds since the last successful CRM poll before it needs attention")
@click.option("--max-outbox-age", type=float, default=900.0, show_default=True,
              help="seconds a pending outbox message may wait before it needs attention")
@with_db
def status(
    db: Any, settings: Settings, as_json: bool, max_poll_age: float, max_outbox_age: float
) -> None:
    """Factions, complaints, outbox, breakers, last poll and forward, schema: one screen.

    Exits 3 when something needs attention (an open breaker, dead letters, an old poll, a
    stuck outbox, a schema behind the code), 0 when healthy.
    """
    from app.health import Limits, gather_status

    with db.session() as session:
        state = gather_status(session, settings, Limits(max_poll_age, max_outbox_age))
    if as_json:
        echo_json(state)
    else:
        for line in render(state):
            click.echo(line)
    if not state["healthy"]:
        raise SystemExit(NEEDS_ATTENTION)


def render(state: dict[str, Any]) -> list[str]:
    """The status as lines for a terminal, most important first."""
    lines = ["Jembatan: " + ("healthy" if state["healthy"] else "NEEDS ATTENTION")]
    lines += [f"  ! {item}" for item in state["attention"]]
    now = state["checked_at"]
    migrations = state["migrations"]
    lines.append(_row("schema", (migrations["current"] or "empty")
                      + ("" if migrations["ok"] else f" (code expects {migrations['head']})")))
    lines.append(_row("last poll", f"{_when(state['last_poll_at'], now)}"
                                   f"  (mode {state['updates_mode']})"))
    lines.append(_row("last forward", _when(state["last_forward_at"], now)))
    complaints = state["complaints"]
    counts = ", ".join(f"{name} {n}" for name, n in complaints["by_status"].items())
    lines.append(_row("complaints", f"{complaints['total']}" + (f" ({counts})" if counts else "")
                      + f"; overdue {complaints['overdue']}"))
    lines.append(_row("dead letters", str(state["dead_letters"])))
    lines.append(_row("outbox", "" if state["outbox"] else "empty"))
    for topic in state["outbox"]:
        lines.append(f"  {topic['topic']:<22} pending {topic['pending']:<5} oldest "
                     f"{_seconds(topic['oldest_pending_age_seconds']):<6} dead {topic['dead']}")
    lines.append(_row("breakers", "" if state["breakers"] else "none tripped yet"))
    for breaker in state["breakers"]:
        lines.append(f"  {breaker['destination']:<22} {breaker['state']:<9} "
                     f"failures {breaker['consecutive_failures']}")
    lines.append(_row("factions", "" if state["factions"] else "none"))
    for faction in state["factions"]:
        hook = faction["webhook"]
        webhook = "no webhook" if hook is None else f"webhook {hook['state']}" + (
            f" ({hook['consecutive_failures']} failures)" if hook["consecutive_failures"] else "")
        lines.append(f"  {faction['code']:<10} {'active' if faction['active'] else 'disabled':<9}"
                     f" keys {faction['keys']:<3} {webhook}")
    return lines


def _row(label: str, value: str) -> str:
    return f"{label:<13} {value}".rstrip()


def _seconds(age: float | None) -> str:
    if age is None:
        return "-"
    if age < 120:
        return f"{age:.0f}s"
    if age < 7200:
        return f"{age / 60:.0f}m"
    return f"{age / 3600:.1f}h"


def _when(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return "never"
    ago = _seconds((now - moment).total_seconds())
    return f"{moment.isoformat(timespec='seconds')} ({ago} ago)"
