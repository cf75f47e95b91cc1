"""`jembatan keys`: API keys, and the data keys that encrypt reporter data at rest."""

from __future__ import annotations

import json
from typing import Any

import click

from app.cli.common import admin_transaction, echo_json, with_db
from app.cli.progress import progress_bar
from app.config import Settings


@click.group()
def keys() -> None:
    """API keys, and the data keys of reporter data."""


@keys.command("issue")
@click.option("--faction", "faction_code", default=None)
@click.option("--role", type=click.Choice(["faction", "admin", "crm"]), default=None)
@click.option("--label", default=None)
@click.option("--json", "as_json", is_flag=True)
@with_db
def keys_issue(
    db: Any,
    settings: Settings,
    faction_code: str | None,
    role: str | None,
    label: str | None,
    as_json: bool,
) -> None:
    """Issue a key; the key is printed alone on the last line, and only now."""
    from app.admin.keys import issue_api_key
    from app.audit import cli_actor

    role = role or ("faction" if faction_code else None)
    if role is None:
        raise click.UsageError("give --faction CODE or --role admin|crm")
    if role == "faction" and not faction_code:
        raise click.UsageError("a faction key needs --faction CODE")
    if role != "faction" and faction_code:
        raise click.UsageError("--faction goes with the faction role only")
    with admin_transaction(db) as session:
        issued = issue_api_key(session, cli_actor(), role, faction_code, label)
    if as_json:
        click.echo(json.dumps({"key_id": issued.key_id, "key": issued.key}))
    else:
        who = issued.faction_code or role
        click.echo(f"issued key {issued.key_id} ({role}, {who}); store it now, it is not kept:")
        click.echo(issued.key)


@keys.command("list")
@click.option("--faction", "faction_code", default=None)
@click.option("--active", "active_only", is_flag=True, help="hide revoked keys")
@click.option("--json", "as_json", is_flag=True)
@with_db
def keys_list(
    db: Any, settings: Settings, faction_code: str | None, active_only: bool, as_json: bool
) -> None:
    """List keys (never their secrets)."""
    from app.admin.keys import list_keys

    with admin_transaction(db) as session:
        items = [
            {
                "key_id": k.key_id,
                "role": k.role,
                "faction": k.faction.code if k.faction else None,
                "label": k.label,
                "active": k.active,
                "created_at": k.created_at,
                "revoked_at": k.revoked_at,
                "last_used_at": k.last_used_at,
            }
            for k in list_keys(session, faction_code, include_revoked=not active_only)
        ]
    if as_json:
        echo_json(items)
        return
    for item in items:
        state = "active" if item["active"] else "revoked"
        click.echo(
            f"{item['key_id']:<12} {item['role']:<8} {item['faction'] or '-':<10} "
            f"{state:<8} {item['label'] or ''}"
        )


@keys.command("revoke")
@click.argument("key_id")
@with_db
def keys_revoke(db: Any, settings: Settings, key_id: str) -> None:
    """Revoke a key at once."""
    from app.admin.keys import revoke_key
    from app.audit import cli_actor

    with admin_transaction(db) as session:
        revoke_key(session, cli_actor(), key_id)
    click.echo(f"revoked {key_id}")


@keys.command("rotate-data")
@click.option("--batch-size", type=int, default=500, show_default=True)
@with_db
def keys_rotate_data(db: Any, settings: Settings, batch_size: int) -> None:
    """Re-encrypt stored reporter data with the newest of JEMBATAN_DATA_KEYS."""
    from app.audit import cli_actor, record
    from app.rotation import reencrypt_all

    with db.session() as session, progress_bar("re-encrypting") as progress:
        counts = reencrypt_all(session, batch_size=batch_size, progress=progress)
    with db.transaction() as session:
        record(session, cli_actor(), "data_keys.rotate", "complaint", None, counts)
    click.echo(f"re-encrypted {counts['rows']} rows ({counts['values']} values); "
               f"{counts['current']} rows were already current")


@keys.command("generate-data-key")
def keys_generate_data_key() -> None:
    """Print a new Fernet key to put first in JEMBATAN_DATA_KEYS."""
    from app.crypto import generate_key

    click.echo(generate_key())
