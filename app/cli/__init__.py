"""The `jembatan` command: one module per command group, gathered here.

`main` is the console script (`jembatan = app.cli:main`) and `python -m app`.
"""

from __future__ import annotations

from typing import Any

import click

from app.cli import (
    audit,
    breaker,
    db,
    demo,
    dlq,
    duplicates,
    factions,
    keys,
    outbox,
    processes,
    reconcile,
    reporter,
    retention,
    status,
    users,
)
from app.config import ConfigError


class _Jembatan(click.Group):
    """The command group: a configuration that cannot run is one line of error, whatever
    command found it (and wherever it was read), never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            raise click.ClickException(str(exc)) from exc


@click.group(cls=_Jembatan)
def main() -> None:
    """Jembatan: faction complaints into Jakarta Smart City's CRM, and their status back."""


main.add_command(db.db)                      # db upgrade|fill-projection
main.add_command(processes.serve)            # serve
main.add_command(processes.worker)           # worker
main.add_command(processes.crm_sim)          # crm-sim
main.add_command(factions.factions)          # factions add|list|disable|enable|feed
main.add_command(keys.keys)                  # keys issue|list|revoke|rotate-data|generate-data-key
main.add_command(reporter.reporter)          # reporter show|erase|reencrypt
main.add_command(retention.retention)        # retention run
main.add_command(reconcile.reconcile)        # reconcile
main.add_command(dlq.dlq)                    # dlq list|replay
main.add_command(duplicates.duplicates)      # duplicates list|confirm|reject|link|split
main.add_command(outbox.outbox)              # outbox stats
main.add_command(breaker.breaker)            # breaker list|reset
main.add_command(audit.audit_group)          # audit list
main.add_command(demo.demo)                  # demo
main.add_command(status.status)              # status
main.add_command(users.users)                # users add|list|invite|disable|enable
