"""Schemas of the admin API (`/api/v1/admin`): our API, so unknown fields are refused.

`AdminComplaintSchema` is the admin's summary view of a complaint; it carries no reporter
data (an integrator managing the gateway has no need for it).
"""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from app.models.complaint import DUPLICATE_STATES
from schemas.complaint import (
    DUPLICATE_OF_DESCRIPTION,
    DUPLICATE_STATE_DESCRIPTION,
    OVERDUE_DESCRIPTION,
    Text,
)

CODE = validate.Regexp(r"^[A-Za-z0-9_\-]{2,32}$", error="2–32 letters, digits, - or _.")


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class PageArgsSchema(_Strict):
    cursor = Text(load_default=None, validate=validate.Length(max=500))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


# --- complaints ------------------------------------------------------------------------


class AdminComplaintQueryArgsSchema(PageArgsSchema):
    faction = Text(load_default=None, validate=CODE)
    status = Text(load_default=None, validate=validate.Length(max=16))
    category = Text(load_default=None, validate=validate.Length(max=32))
    overdue = fields.Boolean(
        load_default=None, metadata={"description": "Only overdue (true) or only not (false). "
                                     + OVERDUE_DESCRIPTION},
    )
    updated_since = fields.AwareDateTime(load_default=None)


class AdminComplaintSchema(Schema):
    id = fields.UUID(dump_only=True)
    tracking_code = fields.String(dump_only=True)
    external_id = fields.String(dump_only=True)
    faction = fields.String(dump_only=True)
    source = fields.String(dump_only=True)
    category = fields.String(dump_only=True)
    title = fields.String(dump_only=True)
    kelurahan_code = fields.String(dump_only=True)
    visibility = fields.String(dump_only=True)
    status = fields.String(dump_only=True)
    status_label = fields.String(dump_only=True)
    seq = fields.Integer(dump_only=True)
    crm_ticket_id = fields.String(dump_only=True, allow_none=True)
    agency = fields.String(dump_only=True, allow_none=True)
    due_at = fields.DateTime(dump_only=True)
    overdue = fields.Boolean(dump_only=True, metadata={"description": OVERDUE_DESCRIPTION})
    resolved_at = fields.DateTime(dump_only=True, allow_none=True)
    reporter_erased_at = fields.DateTime(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)
    duplicate_of = fields.String(
        dump_only=True, allow_none=True, metadata={"description": DUPLICATE_OF_DESCRIPTION}
    )
    duplicate_state = fields.String(
        dump_only=True, allow_none=True,
        metadata={"enum": [*DUPLICATE_STATES, None], "description": DUPLICATE_STATE_DESCRIPTION},
    )


class AdminComplaintPageSchema(Schema):
    items = fields.List(fields.Nested(AdminComplaintSchema))
    next_cursor = fields.String(allow_none=True)


# --- factions --------------------------------------------------------------------------


class FactionSchema(Schema):
    code = fields.String(dump_only=True)
    name = fields.String(dump_only=True)
    active = fields.Boolean(dump_only=True)
    disabled_reason = fields.String(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class FactionListSchema(Schema):
    items = fields.List(fields.Nested(FactionSchema))


class FactionCreateSchema(_Strict):
    code = Text(required=True, validate=CODE)
    name = Text(required=True, validate=validate.Length(min=1, max=200))


class FactionDisableSchema(_Strict):
    reason = Text(load_default=None, validate=validate.Length(max=500))


# --- keys ------------------------------------------------------------------------------


class ApiKeySchema(Schema):
    key_id = fields.String(dump_only=True)
    role = fields.String(dump_only=True)
    faction = fields.Function(lambda k: k.faction.code if k.faction else None, dump_only=True)
    label = fields.String(dump_only=True, allow_none=True)
    active = fields.Boolean(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    revoked_at = fields.DateTime(dump_only=True, allow_none=True)
    last_used_at = fields.DateTime(dump_only=True, allow_none=True)


class ApiKeyListSchema(Schema):
    items = fields.List(fields.Nested(ApiKeySchema))


class ApiKeyQueryArgsSchema(_Strict):
    faction = Text(load_default=None, validate=CODE)
    include_revoked = fields.Boolean(load_default=True)


class KeyIssueSchema(_Strict):
    role = Text(required=True, validate=validate.OneOf(["faction", "admin", "crm"]))
    faction = Text(load_default=None, validate=CODE)
    label = Text(load_default=None, validate=validate.Length(max=200))


class IssuedKeySchema(Schema):
    key_id = fields.String(dump_only=True)
    key = fields.String(dump_only=True, metadata={"description": "Shown this once; not kept."})
    role = fields.String(dump_only=True)
    faction = fields.String(dump_only=True, allow_none=True, attribute="faction_code")


# --- outbox ----------------------------------------------------------------------------


class OutboxErrorSchema(Schema):
    id = fields.Integer(dump_only=True)
    error = fields.String(dump_only=True, allow_none=True)
    status_code = fields.Integer(dump_only=True, allow_none=True)
    attempts = fields.Integer(dump_only=True)
    at = fields.DateTime(dump_only=True)


class OutboxStatsEntrySchema(Schema):
    topic = fields.String(dump_only=True)
    state = fields.String(dump_only=True)
    depth = fields.Integer(dump_only=True)
    oldest_age_seconds = fields.Float(dump_only=True, allow_none=True)
    last_errors = fields.List(fields.Nested(OutboxErrorSchema))


class OutboxStatsSchema(Schema):
    items = fields.List(fields.Nested(OutboxStatsEntrySchema))


class BreakerWindowSchema(Schema):
    calls = fields.Integer(dump_only=True)
    failures = fields.Integer(dump_only=True)
    failure_rate = fields.Float(dump_only=True)


class BreakerTrialsSchema(Schema):
    taken = fields.Integer(dump_only=True)
    ok = fields.Integer(dump_only=True)
    failed = fields.Integer(dump_only=True)


class BreakerSchema(Schema):
    """A destination's circuit breaker (docs/OPERATIONS.md#circuit-breakers)."""

    destination = fields.String(dump_only=True)
    state = fields.String(dump_only=True)
    window = fields.Nested(BreakerWindowSchema, dump_only=True)
    opened_at = fields.String(allow_none=True, dump_only=True)
    next_probe_at = fields.String(allow_none=True, dump_only=True)
    trials = fields.Nested(BreakerTrialsSchema, dump_only=True)
    paused_until = fields.String(allow_none=True, dump_only=True)
    last_error = fields.String(allow_none=True, dump_only=True)


class BreakerListSchema(Schema):
    items = fields.List(fields.Nested(BreakerSchema))


class OutboxMessageQueryArgsSchema(PageArgsSchema):
    state = Text(load_default=None, validate=validate.OneOf(["pending", "done", "dead"]))
    topic = Text(load_default=None, validate=validate.Length(max=64))


class DeadLetterQueryArgsSchema(PageArgsSchema):
    topic = Text(load_default=None, validate=validate.Length(max=64))


class OutboxMessageSchema(Schema):
    id = fields.Integer(dump_only=True)
    topic = fields.String(dump_only=True)
    destination = fields.String(dump_only=True)
    state = fields.String(dump_only=True, attribute="status")
    complaint_id = fields.UUID(dump_only=True, allow_none=True)
    attempts = fields.Integer(dump_only=True)
    next_attempt_at = fields.DateTime(dump_only=True)
    last_error = fields.String(dump_only=True, allow_none=True)
    last_status_code = fields.Integer(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)
    dead_at = fields.DateTime(dump_only=True, allow_none=True)
    completed_at = fields.DateTime(dump_only=True, allow_none=True)


class OutboxMessagePageSchema(Schema):
    items = fields.List(fields.Nested(OutboxMessageSchema))
    next_cursor = fields.String(allow_none=True)


class ReplaySchema(_Strict):
    ids = fields.List(
        # Outbox ids are 32-bit keys: a larger one is refused here, not by the database.
        fields.Integer(validate=validate.Range(min=1, max=2**31 - 1)),
        required=True,
        validate=validate.Length(min=1, max=500),
    )


class OutboxMessageListSchema(Schema):
    items = fields.List(fields.Nested(OutboxMessageSchema))


# --- webhooks and audit ----------------------------------------------------------------


class WebhookSubscriptionSchema(Schema):
    faction = fields.Function(lambda s: s.faction.code, dump_only=True)
    url = fields.String(dump_only=True)
    active = fields.Boolean(dump_only=True)
    disabled_reason = fields.String(dump_only=True, allow_none=True)
    disabled_at = fields.DateTime(dump_only=True, allow_none=True)
    consecutive_failures = fields.Integer(dump_only=True)
    failing_since = fields.DateTime(dump_only=True, allow_none=True)
    last_success_at = fields.DateTime(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class WebhookSubscriptionListSchema(Schema):
    items = fields.List(fields.Nested(WebhookSubscriptionSchema))


class AuditQueryArgsSchema(PageArgsSchema):
    action = Text(load_default=None, validate=validate.Length(max=64))
    target_type = Text(load_default=None, validate=validate.Length(max=32))
    target_id = Text(load_default=None, validate=validate.Length(max=128))
    actor = Text(load_default=None, validate=validate.Length(max=128))


class AuditEntrySchema(Schema):
    id = fields.Integer(dump_only=True)
    actor = fields.String(dump_only=True)
    action = fields.String(dump_only=True)
    target_type = fields.String(dump_only=True)
    target_id = fields.String(dump_only=True, allow_none=True)
    detail = fields.Dict(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)


class AuditPageSchema(Schema):
    items = fields.List(fields.Nested(AuditEntrySchema))
    next_cursor = fields.String(allow_none=True)


# --- reconciliation ----------------------------------------------------------------------


class ReconcileReportSchema(Schema):
    """What the last reconciliation run found and did."""

    started_at = fields.String(dump_only=True)
    finished_at = fields.String(dump_only=True, allow_none=True)
    scope = fields.String(dump_only=True)
    checked = fields.Integer(dump_only=True)
    in_sync = fields.Integer(dump_only=True)
    missing = fields.Integer(dump_only=True)
    reforwarded = fields.List(fields.String(), dump_only=True)
    drifted = fields.Integer(dump_only=True)
    corrected = fields.List(fields.String(), dump_only=True)
    errors = fields.List(fields.String(), dump_only=True)


class ReconcileStateSchema(Schema):
    """The last report (null before the first run) and whether a run is asked for."""

    last_report = fields.Nested(ReconcileReportSchema, allow_none=True, dump_only=True)
    requested_at = fields.String(allow_none=True, dump_only=True)


# --- status ----------------------------------------------------------------------------


class StatusQueryArgsSchema(_Strict):
    """The same limits as `jembatan status --max-poll-age/--max-outbox-age` (seconds)."""

    max_poll_age_s = fields.Float(load_default=600.0, validate=validate.Range(min=0, max=1e7))
    max_outbox_age_s = fields.Float(load_default=900.0,
                                    validate=validate.Range(min=0, max=1e7))


class MigrationStateSchema(Schema):
    current = fields.String(dump_only=True, allow_none=True)
    head = fields.String(dump_only=True, allow_none=True)
    ok = fields.Boolean(dump_only=True)


class FactionWebhookHealthSchema(Schema):
    state = fields.String(dump_only=True, metadata={"enum": ["ok", "failing", "disabled"]})
    consecutive_failures = fields.Integer(dump_only=True)
    last_success_at = fields.DateTime(dump_only=True, allow_none=True)


class FactionHealthSchema(Schema):
    code = fields.String(dump_only=True)
    name = fields.String(dump_only=True)
    active = fields.Boolean(dump_only=True)
    keys = fields.Integer(dump_only=True, metadata={"description": "unrevoked API keys"})
    webhook = fields.Nested(FactionWebhookHealthSchema, allow_none=True, dump_only=True)


class ComplaintCountsSchema(Schema):
    total = fields.Integer(dump_only=True)
    by_status = fields.Dict(keys=fields.String(), values=fields.Integer(), dump_only=True)
    overdue = fields.Integer(dump_only=True, metadata={"description": "open and past due"})


class OutboxTopicHealthSchema(Schema):
    topic = fields.String(dump_only=True)
    pending = fields.Integer(dump_only=True)
    oldest_pending_age_seconds = fields.Float(dump_only=True, allow_none=True)
    dead = fields.Integer(dump_only=True)


class BreakerStateSchema(Schema):
    destination = fields.String(dump_only=True)
    state = fields.String(dump_only=True, metadata={"enum": ["closed", "open", "half_open"]})
    consecutive_failures = fields.Integer(dump_only=True)
    opened_at = fields.DateTime(dump_only=True, allow_none=True)
    next_probe_at = fields.DateTime(dump_only=True, allow_none=True)


class GatewayStatusSchema(Schema):
    """The gateway on one page (`jembatan status --json` has the same shape); `healthy` is
    false when `attention` names something a person must look at."""

    checked_at = fields.DateTime(dump_only=True)
    healthy = fields.Boolean(dump_only=True)
    attention = fields.List(fields.String(), dump_only=True)
    migrations = fields.Nested(MigrationStateSchema, dump_only=True)
    factions = fields.List(fields.Nested(FactionHealthSchema), dump_only=True)
    complaints = fields.Nested(ComplaintCountsSchema, dump_only=True)
    outbox = fields.List(fields.Nested(OutboxTopicHealthSchema), dump_only=True)
    dead_letters = fields.Integer(dump_only=True)
    breakers = fields.List(fields.Nested(BreakerStateSchema), dump_only=True)
    updates_mode = fields.String(dump_only=True)
    last_poll_at = fields.DateTime(dump_only=True, allow_none=True)
    last_poll_age_seconds = fields.Float(dump_only=True, allow_none=True)
    last_forward_at = fields.DateTime(dump_only=True, allow_none=True)


# --- posko console accounts ------------------------------------------------------------


class ConsoleAccountCreateSchema(_Strict):
    email = Text(required=True, validate=validate.Length(min=3, max=254))
    role = Text(load_default="koordinator", validate=validate.OneOf(["koordinator", "staf"]))


class ConsoleInvitationSchema(Schema):
    email = fields.String(dump_only=True)
    role = fields.String(dump_only=True)
    faction = fields.String(dump_only=True)
    invitation_url = fields.String(
        dump_only=True,
        metadata={"description": "Single use, until expires_at; shown this once, not kept."},
    )
    expires_at = fields.DateTime(dump_only=True)
