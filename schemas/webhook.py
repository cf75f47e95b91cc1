"""The webhook subscription as the API takes and shows it."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields

from schemas.complaint import Text


class WebhookArgsSchema(Schema):
    """PUT /api/v1/webhook: where to deliver."""

    class Meta:
        unknown = RAISE

    url = Text(
        required=True,
        metadata={"example": "https://posko.example.org/jembatan/webhook"},
    )


class WebhookSchema(Schema):
    """A faction's subscription, with its signing secret (shown to that faction only)."""

    id = fields.Integer(dump_only=True)
    url = fields.String(dump_only=True)
    secret = fields.String(
        dump_only=True,
        metadata={"description": "Standard Webhooks signing secret (whsec_…)"},
    )
    previous_secret_expires_at = fields.AwareDateTime(
        dump_only=True,
        allow_none=True,
        metadata={"description": "Until then, deliveries are also signed with the old secret"},
    )
    active = fields.Boolean(dump_only=True)
    disabled_reason = fields.String(dump_only=True, allow_none=True)
    disabled_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    consecutive_failures = fields.Integer(dump_only=True)
    failing_since = fields.AwareDateTime(dump_only=True, allow_none=True)
    last_success_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    created_at = fields.AwareDateTime(dump_only=True)
    updated_at = fields.AwareDateTime(dump_only=True)
