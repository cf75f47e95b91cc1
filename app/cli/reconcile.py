"""`jembatan reconcile`: compare forwarded complaints with the CRM's tickets, now."""

from __future__ import annotations

from typing import Any

import click

from app.cli.common import echo_json, with_db
from app.cli.progress import progress_bar
from app.config import Settings


@click.command()
@click.option("--all", "everything", is_flag=True,
              help="every forwarded complaint, not only open and recently closed ones")
@click.option("--json", "as_json", is_flag=True)
@with_db
def reconcile(db: Any, settings: Settings, everything: bool, as_json: bool) -> None:
    """Compare forwarded complaints with the CRM's tickets now, and repair what differs."""
    from app.audit import cli_actor, record
    from sync.crm import CrmClient
    from sync.reconcile import reconcile as run

    client = CrmClient.from_settings(settings)
    try:
        with progress_bar("reconciling", unit="complaint") as progress:
            report = run(db, settings, client, everything=everything, progress=progress)
    finally:
        client.close()
    with db.transaction() as session:
        record(session, cli_actor(), "reconcile.run", "crm", None,
               {"checked": report.checked, "missing": report.missing,
                "drifted": report.drifted})
    if as_json:
        echo_json(report.as_dict())
        return
    click.echo(f"checked {report.checked}: {report.in_sync} in sync, {report.missing} missing "
               f"in the CRM (re-forwarded), {report.drifted} drifted (corrected)")
    for line in report.reforwarded:
        click.echo(f"  re-forwarded {line}")
    for line in report.corrected:
        click.echo(f"  corrected {line}")
    for line in report.errors:
        click.echo(f"  error: {line}", err=True)
    if report.errors:
        raise SystemExit(1)
