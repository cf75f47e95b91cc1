"""Webhooks to factions: subscriptions' rules, and the fan-out of events into the outbox.

Every status event (from `received`, seq 1, on) and every `complaint.overdue` becomes one
`webhook.deliver` outbox message for the faction's active subscription, written in the same
transaction as the change, with the body as it was at that moment (a snapshot: a retry three
days later still says what happened then). Per subscriber and complaint the messages share an
ordering key; `ordering_seq` is 2·seq for a status event and 2·seq+1 for an overdue notice, so
the notice follows the status event it was raised after.

Refusing private addresses (SSRF) is app.outbound's guard: a URL must be http(s) and its
host must resolve only to globally routable addresses, unless
`JEMBATAN_OUTBOUND_ALLOW_PRIVATE=1` (alias `JEMBATAN_WEBHOOK_ALLOW_PRIVATE=1`). It is checked
when the URL is set, and again by each delivery (sync.deliver), which connects to the address
it checked, so a name that later resolves elsewhere (DNS rebinding) gains nothing.
"""

from __future__ import annotations

import base64
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session, sessionmaker

from app.clock import isoformat, utcnow
from app.events import EventListener
from app.lifecycle import status_label
from app.models import Complaint, OutboxMessage, StatusEvent, WebhookSubscription
from app.models.outbox import enqueue
from app.outbound import (  # noqa: F401 (re-exported: the names callers knew)
    UnsafeAddress,
    address_is_public,
    check_address,
    url_problems,
)
from app.projection import duplicate_of_codes
from app.status_link import status_link

WEBHOOK_DELIVER = "webhook.deliver"
STATUS_CHANGED = "complaint.status_changed"
OVERDUE = "complaint.overdue"
# How long a rotated-out secret keeps signing, so receivers can switch without a gap.
SECRET_OVERLAP = timedelta(hours=24)

# --- secrets ---------------------------------------------------------------------------


def new_secret() -> str:
    """A Standard Webhooks signing secret: `whsec_` + base64 of 32 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def live_secrets(subscription: WebhookSubscription, now: datetime | None = None) -> list[str]:
    """The secrets a delivery is signed with now: the current one, and the previous for 24 h."""
    now = now or utcnow()
    found = [subscription.secret]
    if (
        subscription.previous_secret
        and subscription.previous_secret_expires_at is not None
        and subscription.previous_secret_expires_at > now
    ):
        found.append(subscription.previous_secret)
    return found


def rotate_secret(subscription: WebhookSubscription) -> None:
    """A new secret; the old one keeps signing for SECRET_OVERLAP (never commits)."""
    subscription.previous_secret = subscription.secret
    subscription.previous_secret_expires_at = utcnow() + SECRET_OVERLAP
    subscription.secret = new_secret()


# --- URL rules -------------------------------------------------------------------------


def webhook_url_problems(url: str, allow_private: bool) -> list[str]:
    """Why `url` cannot be a webhook URL (empty when it can): app.outbound's one rule."""
    if not isinstance(url, str) or not url.strip():
        return ["Give the URL to deliver webhooks to."]
    return url_problems(url, allow_private)


# --- disabling ---------------------------------------------------------------------------


def dead_letter_pending(session: Session, subscription_id: int, reason: str) -> int:
    """Dead-letter every pending delivery of a subscription (replayable); never commits."""
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.topic == WEBHOOK_DELIVER,
            OutboxMessage.destination == destination(subscription_id),
            OutboxMessage.status == "pending",
        )
        .values(
            status="dead",
            dead_at=utcnow(),
            last_error=reason[:2000],
            # Whoever holds a lease on one of them loses it: their outcome will not count.
            lease_owner=None,
            lease_token=None,
            lease_expires_at=None,
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def disable_subscription(
    session: Session, subscription: WebhookSubscription, reason: str
) -> None:
    """Stop delivering to a subscription and say why (GET /api/v1/webhook shows it)."""
    now = utcnow()
    subscription.active = False
    subscription.disabled_reason = reason[:2000]
    subscription.disabled_at = now
    subscription.updated_at = now
    dead_letter_pending(session, subscription.id, f"subscription disabled: {reason}")


# --- fan-out ---------------------------------------------------------------------------


def active_subscription_id(session: Session, faction_id: int) -> int | None:
    """The id of the faction's subscription if it is active.

    Remembered for the rest of the session's transaction: a poll applying a thousand updates
    asks once per faction, not once per event.
    """
    cache = session.info.setdefault(_CACHE_KEY, {})
    if faction_id not in cache:
        cache[faction_id] = session.scalar(
            select(WebhookSubscription.id).where(
                WebhookSubscription.faction_id == faction_id,
                WebhookSubscription.active.is_(True),
            )
        )
    return cache[faction_id]


_CACHE_KEY = "jembatan.webhook_subscriptions"


def _forget_subscriptions(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(_CACHE_KEY, None)


def destination(subscription_id: int) -> str:
    """The circuit breaker's key: one per subscription, so one bad receiver blocks no other."""
    return f"webhook:{subscription_id}"


def event_data(
    complaint: Complaint, event: StatusEvent | None, public_url: str,
    duplicate_of: str | None = None,
) -> dict[str, Any]:
    """The `data` object of a webhook body (docs/API.md#webhooks), as things are now;
    `duplicate_of` is the primary's tracking code (projection.duplicate_of_codes)."""
    status = event.status if event is not None else complaint.status
    return {
        "id": str(complaint.id),
        "external_id": complaint.external_id,
        "tracking_code": complaint.tracking_code,
        "seq": event.seq if event is not None else complaint.seq,
        "status": status,
        "status_label": status_label(status),
        "previous_status": event.previous_status if event is not None else None,
        "occurred_at": isoformat(event.occurred_at) if event is not None else None,
        "note": event.note if event is not None else None,
        "crm_ticket_id": complaint.crm_ticket_id,
        "agency": complaint.agency,
        "due_at": isoformat(complaint.due_at),
        "overdue": complaint.is_overdue,
        "status_link": status_link(public_url, complaint),
        "duplicate_of": duplicate_of,
        "duplicate_state": complaint.duplicate_state,
    }


def _duplicate_of(session: Session, complaint: Complaint) -> str | None:
    return duplicate_of_codes(session, [complaint]).get(complaint.id)


def _enqueue(
    session: Session, complaint: Complaint, kind: str, data: dict[str, Any], ordering_seq: int,
    source: str,
) -> None:
    subscription_id = active_subscription_id(session, complaint.faction_id)
    if subscription_id is None:
        return
    now = utcnow()
    enqueue(
        session,
        topic=WEBHOOK_DELIVER,
        destination=destination(subscription_id),
        payload={
            "subscription_id": subscription_id,
            "body": {"type": kind, "timestamp": isoformat(now), "data": data},
            "source": source,
        },
        complaint_id=complaint.id,
        ordering_key=f"webhook:{subscription_id}:{complaint.id}",
        ordering_seq=ordering_seq,
    )


class WebhookFanOut(EventListener):
    """The listener that turns status events and overdue flips into webhook deliveries.

    Holds the public URL the bodies' status links point at (JEMBATAN_PUBLIC_URL): the same
    link whichever process appended the event.
    """

    def __init__(self, public_url: str) -> None:
        self.public_url = public_url

    def install(self, sessions: sessionmaker[Session]) -> None:
        """Forget the remembered subscriptions when a transaction ends."""
        event.listen(sessions, "after_transaction_end", _forget_subscriptions)

    def status_changed(self, session: Session, complaint: Complaint, event: StatusEvent) -> None:
        """One `complaint.status_changed` per status event (never commits)."""
        _enqueue(
            session, complaint, STATUS_CHANGED,
            event_data(complaint, event, self.public_url, _duplicate_of(session, complaint)),
            2 * event.seq, event.source,
        )

    def became_overdue(self, session: Session, complaint: Complaint) -> None:
        """One `complaint.overdue` notice, with the complaint's current seq and status."""
        data = event_data(complaint, None, self.public_url, _duplicate_of(session, complaint))
        data["occurred_at"] = isoformat(complaint.due_at)
        data["note"] = "Melewati batas waktu penyelesaian."
        _enqueue(session, complaint, OVERDUE, data, 2 * complaint.seq + 1, "gateway")
