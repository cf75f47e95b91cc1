"""Delivering webhooks to factions: the `webhook.deliver` topic (Standard Webhooks v1).

Each attempt is signed afresh: `webhook-id` is the outbox message's (`msg_<id>`, the same on
every retry, so receivers dedupe on it), `webhook-timestamp` is now, and `webhook-signature`
holds `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">` for every live secret (two during
the 24 hours after a rotation), space-separated.

Outcomes: any 2xx is success. 410 Gone disables the subscription and dead-letters what was
pending for it. Anything else (another status, a timeout, a connection error) is retried with
backoff for about three days; a subscription that has not had one success for three days of
trying is disabled, with the reason shown by GET /api/v1/webhook.

Refusing private addresses (SSRF) is app.outbound's guard: the receiver's name is resolved
once per connection, every address checked, and the socket goes to the checked address (no
second resolution); no redirect is followed and no proxy from the environment is used.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
from dataclasses import dataclass
from datetime import timedelta

import requests
from sqlalchemy.orm import Session

from app import breaker
from app.clock import utcnow
from app.config import Settings
from app.metrics import CRM_UPDATE_TO_WEBHOOK_SECONDS
from app.models import OutboxMessage, WebhookSubscription
from app.outbound import UnsafeAddress, allow_private, http_session, parse_retry_after
from app.webhooks import (
    WEBHOOK_DELIVER,
    disable_subscription,
    live_secrets,
)
from sync.context import WorkerContext
from sync.errors import DeliveryError, FatalError, RetriableError
from sync.outbox import RunStats, TopicPolicy

log = logging.getLogger(__name__)

# A subscription failing without a single success for this long is disabled.
LONG_FAILURE = timedelta(days=3)
USER_AGENT = "Jembatan-Webhooks/1"


def policy(settings: Settings) -> TopicPolicy:
    """Retry for about three days, backing off up to WEBHOOK_RETRY_MAX_S between attempts."""
    cap = settings.WEBHOOK_RETRY_MAX_S
    return TopicPolicy(
        WEBHOOK_DELIVER,
        base_delay_s=settings.WEBHOOK_RETRY_BASE_S,
        max_delay_s=cap,
        max_attempts=100_000,  # age, not a count, ends the retries
        max_age_s=3 * 24 * 3600,
        breaker=breaker.webhook_policy(settings),
        destination_prefix="webhook:",
    )


# --- signing -------------------------------------------------------------------------------


def sign(secret: str, webhook_id: str, timestamp: int, body: bytes) -> str:
    """One Standard Webhooks v1 signature: `v1,` + base64 HMAC-SHA256 of id.timestamp.body."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{webhook_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def signature_header(secrets: list[str], webhook_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` value: one signature per live secret, space-separated."""
    return " ".join(sign(secret, webhook_id, timestamp, body) for secret in secrets)


# --- the HTTP session ----------------------------------------------------------------------


def guarded_session(allow_private: bool, timeout: float = 10.0) -> requests.Session:
    """The webhook session: app.outbound's guarded policy (checked address, no proxy, no
    redirect), with the connect timeout capped at 5 s."""
    return http_session(
        user_agent=USER_AGENT, guard=True, allow_private=allow_private,
        timeout=(min(5.0, timeout), timeout),
    )


# --- the handler ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PreparedDelivery:
    message_id: int
    subscription_id: int
    url: str
    webhook_id: str
    body: bytes
    secrets: list[str]


@dataclass(frozen=True)
class Delivered:
    status: int


class WebhookDelivery:
    """The Handler of `webhook.deliver`."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.http = guarded_session(allow_private(settings), settings.WEBHOOK_TIMEOUT_S)

    def prepare(self, session: Session, message: OutboxMessage) -> PreparedDelivery:
        subscription = session.get(WebhookSubscription, message.payload["subscription_id"])
        if subscription is None:
            raise FatalError("the webhook subscription was deleted")
        if not subscription.active:
            reason = subscription.disabled_reason
            raise FatalError(f"the webhook subscription is disabled: {reason}")
        body = json.dumps(
            message.payload["body"], ensure_ascii=False, separators=(",", ":")
        ).encode("utf-8")
        return PreparedDelivery(
            message_id=message.id,
            subscription_id=subscription.id,
            url=subscription.url,
            webhook_id=f"msg_{message.id}",
            body=body,
            secrets=live_secrets(subscription),
        )

    def perform(self, prepared: PreparedDelivery) -> Delivered:
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            "webhook-id": prepared.webhook_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": signature_header(
                prepared.secrets, prepared.webhook_id, timestamp, prepared.body
            ),
        }
        timeout = self.settings.WEBHOOK_TIMEOUT_S
        try:
            response = self.http.post(
                prepared.url, data=prepared.body, headers=headers,
                timeout=(min(5.0, timeout), timeout), allow_redirects=False,
            )
        except UnsafeAddress as exc:
            raise FatalError(f"refused to deliver: {exc}") from None
        except requests.Timeout:
            raise RetriableError("timeout") from None
        except requests.RequestException as exc:
            raise RetriableError(f"connection error: {type(exc).__name__}") from None
        status = response.status_code
        response.close()
        if 200 <= status < 300:
            return Delivered(status)
        if status == 410:
            raise FatalError("the receiver answered 410 Gone", status=410)
        # A 429 or 503 with Retry-After pauses this subscriber's deliveries that long
        # (app/breaker.py), without counting as the receiver being down.
        retry_after = (parse_retry_after(response.headers.get("Retry-After"))
                       if status in (429, 503) else None)
        raise RetriableError(f"the receiver answered {status}", status=status,
                             retry_after=retry_after)

    def complete(self, session: Session, message: OutboxMessage, result: Delivered) -> None:
        subscription = session.get(WebhookSubscription, message.payload["subscription_id"])
        if subscription is not None:
            subscription.consecutive_failures = 0
            subscription.failing_since = None
            subscription.last_success_at = utcnow()
        _observe_latency(message)

    def dead(self, session: Session, message: OutboxMessage, error: str) -> None:
        if message.last_status_code != 410:
            return
        subscription = session.get(WebhookSubscription, message.payload["subscription_id"])
        if subscription is not None and subscription.active:
            disable_subscription(session, subscription, "the receiver answered 410 Gone")
            log.warning("webhook subscription %s disabled: 410 Gone", subscription.id)

    def failed(self, session: Session, message: OutboxMessage, error: DeliveryError) -> None:
        """Count a failed attempt (in the transaction that records it); three days of
        failures and nothing else disables the subscription and dead-letters its pending
        deliveries, this one included. A 410 is not counted: `dead` disables at once."""
        if error.status == 410:
            return
        subscription = session.get(WebhookSubscription, message.payload["subscription_id"])
        if subscription is None or not subscription.active:
            return  # deleted or disabled already (prepare refused the message)
        now = utcnow()
        subscription.consecutive_failures = (subscription.consecutive_failures or 0) + 1
        if subscription.failing_since is None:
            subscription.failing_since = now
            return
        if now - subscription.failing_since < LONG_FAILURE:
            return
        days = LONG_FAILURE.total_seconds() / 86400
        last = f"HTTP {error.status}" if error.status is not None else error.reason
        disable_subscription(
            session, subscription,
            f"no delivery succeeded for {days:g} days"
            f" ({subscription.consecutive_failures} failed attempts; last: {last})",
        )
        log.warning("webhook subscription %s disabled after long failure", subscription.id)
        # Its pending deliveries were dead-lettered in the database; those this session holds
        # (this one, others finalised with it) are read again, so none is recorded as pending.
        for held in list(session.identity_map.values()):
            if isinstance(held, OutboxMessage) and held.destination == message.destination:
                session.refresh(held)


def _observe_latency(message: OutboxMessage) -> None:
    created = message.created_at
    if created is not None and message.payload.get("source") == "crm":
        CRM_UPDATE_TO_WEBHOOK_SECONDS.observe(max(0.0, (utcnow() - created).total_seconds()))


def register(context: WorkerContext) -> None:
    """Register the webhook.deliver handler and its retry policy."""
    context.outbox.register(policy(context.settings), WebhookDelivery(context.settings))


def deliver_job(context: WorkerContext) -> RunStats:
    """Deliver due webhooks."""
    return context.outbox.run([WEBHOOK_DELIVER], batch=context.settings.BATCH_SIZE)
