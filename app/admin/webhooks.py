"""Webhook subscriptions, seen from the admin's side."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Faction, WebhookSubscription


def list_webhooks(session: Session) -> list[WebhookSubscription]:
    """Every faction's webhook subscription, with why a disabled one was disabled."""
    return list(
        session.scalars(
            select(WebhookSubscription)
            .join(Faction, WebhookSubscription.faction_id == Faction.id)
            .order_by(Faction.code)
        )
    )
