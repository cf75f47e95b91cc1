"""`/api/v1/webhook`: a faction's webhook subscription and its signing secret."""

from __future__ import annotations

from typing import Any

from flask import current_app, g
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from app import audit
from app.auth import authenticate
from app.clock import utcnow
from app.database import request_session
from app.errors import Problem, validation_problem
from app.factions import ensure_can_write
from app.models import WebhookSubscription
from app.outbound import allow_private
from app.webhooks import (
    dead_letter_pending,
    new_secret,
    rotate_secret,
    webhook_url_problems,
)
from schemas.webhook import WebhookArgsSchema, WebhookEventSchema, WebhookSchema

blp = Blueprint(
    "webhook", __name__, url_prefix="/api/v1/webhook",
    description="Where status changes are delivered (Standard Webhooks, signed)",
)


# What the subscription receives, as an OpenAPI callback of the PUT that sets it up.
_DELIVERIES = {"complaintEvent": {"{$request.body#/url}": {"post": {
    "summary": "A status event or overdue notice of one of the faction's complaints",
    "requestBody": {"required": True, "content": {
        "application/json": {"schema": WebhookEventSchema}}},
    "responses": {"200": {"description": "Any 2xx: delivered"},
                  "410": {"description": "Gone: the subscription is disabled"}},
}}}}


def _subscription() -> WebhookSubscription | None:
    return request_session().scalars(
        select(WebhookSubscription).where(WebhookSubscription.faction_id == g.faction.id)
    ).first()


def _not_found() -> Problem:
    return Problem(
        404, "Not Found", "This faction has no webhook subscription; PUT one first.",
        slug="not-found",
    )


@blp.route("")
class Webhook(MethodView):
    @blp.response(200, WebhookSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self) -> Any:
        """Show the faction's webhook subscription, its secret and why it was disabled."""
        authenticate("faction")
        subscription = _subscription()
        if subscription is None:
            raise _not_found()
        return subscription

    @blp.arguments(WebhookArgsSchema)
    @blp.response(200, WebhookSchema)
    @blp.alt_response(400, response="BAD_REQUEST")
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.doc(callbacks=_DELIVERIES)
    def put(self, args: dict[str, Any]) -> Any:
        """Set the URL (creating the subscription and its secret, or re-enabling it)."""
        authenticate("faction")
        ensure_can_write(g.faction, "change its webhook")
        url = args["url"].strip()
        settings = current_app.extensions["settings"]
        problems = webhook_url_problems(url, allow_private(settings))
        if problems:
            raise validation_problem({"url": problems})
        session = request_session()
        subscription = _subscription()
        now = utcnow()
        if subscription is None:
            subscription = WebhookSubscription(
                faction_id=g.faction.id, url=url, secret=new_secret(), created_at=now
            )
            session.add(subscription)
        subscription.url = url
        subscription.active = True
        subscription.disabled_reason = None
        subscription.disabled_at = None
        subscription.consecutive_failures = 0
        subscription.failing_since = None
        subscription.updated_at = now
        audit.record(session, g.actor, "webhook.set", "faction", g.faction.code, {"url": url})
        session.commit()
        return subscription

    @blp.response(204)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    def delete(self) -> None:
        """Remove the subscription; nothing more is delivered (pending deliveries die)."""
        authenticate("faction")
        ensure_can_write(g.faction, "change its webhook")
        session = request_session()
        subscription = _subscription()
        if subscription is None:
            raise _not_found()
        dead_letter_pending(session, subscription.id, "webhook subscription deleted")
        session.delete(subscription)
        audit.record(session, g.actor, "webhook.delete", "faction", g.faction.code)
        session.commit()


@blp.route("/rotate-secret")
class RotateSecret(MethodView):
    @blp.response(200, WebhookSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    def post(self) -> Any:
        """A new signing secret; deliveries are signed with both for 24 hours."""
        authenticate("faction")
        ensure_can_write(g.faction, "change its webhook")
        session = request_session()
        subscription = _subscription()
        if subscription is None:
            raise _not_found()
        rotate_secret(subscription)
        subscription.updated_at = utcnow()
        audit.record(session, g.actor, "webhook.rotate_secret", "faction", g.faction.code)
        session.commit()
        return subscription
