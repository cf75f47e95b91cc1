"""The webhook subscription as the API takes and shows it, and what it delivers."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields

from app.lifecycle import STATUSES
from app.models.complaint import DUPLICATE_STATES
from schemas.complaint import (
    DUPLICATE_OF_DESCRIPTION,
    DUPLICATE_STATE_DESCRIPTION,
    OVERDUE_DESCRIPTION,
    Text,
)


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


# --- what is delivered (docs/API.md#webhooks) ----------------------------------------------


class WebhookEventDataSchema(Schema):
    """The complaint as it stood when the event was recorded (app.webhooks.event_data)."""

    id = fields.UUID(dump_only=True)
    external_id = fields.String(dump_only=True)
    tracking_code = fields.String(dump_only=True, metadata={"example": "JBT-7K3M9Q2D"})
    seq = fields.Integer(dump_only=True)
    status = fields.String(dump_only=True, metadata={"enum": list(STATUSES)})
    status_label = fields.String(dump_only=True)
    previous_status = fields.String(dump_only=True, allow_none=True)
    occurred_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    note = fields.String(dump_only=True, allow_none=True)
    crm_ticket_id = fields.String(dump_only=True, allow_none=True)
    agency = fields.String(dump_only=True, allow_none=True)
    due_at = fields.AwareDateTime(dump_only=True)
    overdue = fields.Boolean(dump_only=True, metadata={"description": OVERDUE_DESCRIPTION})
    status_link = fields.String(dump_only=True)
    duplicate_of = fields.String(
        dump_only=True, allow_none=True, metadata={"description": DUPLICATE_OF_DESCRIPTION}
    )
    duplicate_state = fields.String(
        dump_only=True, allow_none=True,
        metadata={"enum": [*DUPLICATE_STATES, None], "description": DUPLICATE_STATE_DESCRIPTION},
    )


class WebhookEventSchema(Schema):
    """One delivery's body, signed per Standard Webhooks v1."""

    type = fields.String(
        dump_only=True, metadata={"enum": ["complaint.status_changed", "complaint.overdue"]}
    )
    timestamp = fields.AwareDateTime(dump_only=True)
    data = fields.Nested(WebhookEventDataSchema, dump_only=True)
