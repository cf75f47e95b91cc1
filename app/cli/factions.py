"""`jembatan factions`: who may submit complaints, and whose own feed is mirrored."""

from __future__ import annotations

from typing import Any

import click

from app.cli.common import admin_transaction, echo_json, with_db
from app.config import Settings


@click.group()
def factions() -> None:
    """Factions (fraksi) that may submit complaints."""


@factions.command("add")
@click.argument("code")
@click.argument("name")
@with_db
def factions_add(db: Any, settings: Settings, code: str, name: str) -> None:
    """Add a faction."""
    from app.admin.factions import add_faction
    from app.audit import cli_actor

    with admin_transaction(db) as session:
        faction = add_faction(session, cli_actor(), code, name)
    click.echo(f"added {faction.code}")


@factions.command("list")
@click.option("--json", "as_json", is_flag=True)
@with_db
def factions_list(db: Any, settings: Settings, as_json: bool) -> None:
    """List factions."""
    from app.admin.factions import list_factions

    with db.session() as session:
        items = [
            {"code": f.code, "name": f.name, "active": f.active, "reason": f.disabled_reason}
            for f in list_factions(session)
        ]
    if as_json:
        echo_json(items)
        return
    for item in items:
        state = "active" if item["active"] else "disabled"
        click.echo(f"{item['code']:<10} {state:<9} {item['name']}")


def _switch(db: Any, code: str, active: bool, reason: str | None) -> str:
    from app.admin.factions import set_faction_active
    from app.audit import cli_actor

    with admin_transaction(db) as session:
        return set_faction_active(session, cli_actor(), code, active, reason).code


@factions.command("disable")
@click.argument("code")
@click.option("--reason", default=None)
@with_db
def factions_disable(db: Any, settings: Settings, code: str, reason: str | None) -> None:
    """Stop a faction's intake (its complaints keep syncing)."""
    click.echo(f"disabled {_switch(db, code, False, reason)}")


@factions.command("enable")
@click.argument("code")
@with_db
def factions_enable(db: Any, settings: Settings, code: str) -> None:
    """Let a faction submit again."""
    click.echo(f"enabled {_switch(db, code, True, None)}")


@factions.command("feed")
@click.argument("code")
@click.argument("url", required=False)
@click.option("--api-key", "api_key", default=None, help="the key the feed wants on POSTs")
@click.option("--format", "fmt", type=click.Choice(["xml", "json"]), default="xml",
              show_default=True)
@click.option("--clear", is_flag=True, help="stop mirroring this faction's feed")
@with_db
def factions_feed(
    db: Any, settings: Settings, code: str, url: str | None, api_key: str | None, fmt: str,
    clear: bool,
) -> None:
    """Mirror a faction's own Open311 endpoint (URL of its /open311/v2/), or --clear it."""
    from urllib.parse import urlsplit

    from app.audit import cli_actor, record
    from app.factions import find_faction
    from app.outbound import allow_private, url_problems

    if clear == (url is not None):
        raise click.UsageError("give a feed URL, or --clear (not both)")
    if url is not None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise click.BadParameter("the feed URL must be http(s)://host/…", param_hint="URL")
        url = url if url.endswith("/") else url + "/"
        # A posko's address is a tenant's: the outbound guard's rule, checked before storing.
        problems = url_problems(url, allow_private(settings))
        if problems:
            raise click.BadParameter(" ".join(problems), param_hint="URL")
    with db.transaction() as session:
        faction = find_faction(session, code)
        if faction is None:
            raise click.ClickException(f"no faction {code.upper()}")
        faction.feed_url = url
        faction.feed_api_key = api_key if url else None
        faction.feed_format = fmt
        # The key is a secret: the audit log says only whether there is one.
        detail = {"url": url, "format": fmt, "api_key": bool(api_key)}
        record(session, cli_actor(), "faction.feed", "faction", faction.code, detail)
    click.echo(f"{faction.code}: feed cleared" if clear else f"{faction.code}: mirroring {url}")
