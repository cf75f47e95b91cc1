"""The duplicate review as the API takes and shows it (docs/API.md#duplicates).

A pair is a complaint and the primary it is suggested as (or linked as) a duplicate of, each as
an operator reads it: the public text (redacted at intake), never a reporter's data.
"""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from app.lifecycle import STATUSES
from app.models import VISIBILITIES
from app.models.complaint import DUPLICATE_STATES
from schemas.complaint import Text

TRACKING_CODE = validate.Regexp(
    r"^[A-Za-z0-9\-]{1,16}$", error="A tracking code such as JBT-7K3M9Q2D."
)


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class DuplicateQueryArgsSchema(_Strict):
    """Which decisions to list, and keyset pagination (oldest complaint first)."""

    state = Text(
        load_default="suggested", validate=validate.OneOf(DUPLICATE_STATES),
        metadata={"description": "suggested (awaiting review, the default), linked or rejected"},
    )
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    cursor = Text(load_default=None, validate=validate.Length(max=512))


class DuplicateLinkSchema(_Strict):
    """POST …/{tracking_code}/link: the primary the complaint reports the same problem as."""

    primary = Text(
        required=True, validate=TRACKING_CODE, metadata={"example": "JBT-4H8N2W6P"}
    )


class ReviewedComplaintSchema(Schema):
    """One side of a pair: what a reviewer needs to judge, as the public would read it."""

    tracking_code = fields.String(dump_only=True, metadata={"example": "JBT-7K3M9Q2D"})
    faction = fields.String(dump_only=True, metadata={"example": "PSI"})
    faction_name = fields.String(dump_only=True)
    category = fields.String(dump_only=True)
    status = fields.String(dump_only=True, metadata={"enum": list(STATUSES)})
    status_label = fields.String(dump_only=True)
    title = fields.String(dump_only=True, metadata={"description": "Redacted, as published"})
    description = fields.String(dump_only=True, metadata={"description": "As title"})
    kelurahan_code = fields.String(dump_only=True)
    visibility = fields.String(dump_only=True, metadata={"enum": list(VISIBILITIES)})
    crm_ticket_id = fields.String(dump_only=True, allow_none=True)
    created_at = fields.AwareDateTime(dump_only=True)
    updated_at = fields.AwareDateTime(dump_only=True)


class DuplicateSchema(Schema):
    """A complaint's standing as a duplicate, with its primary beside it."""

    complaint = fields.Nested(ReviewedComplaintSchema, dump_only=True)
    primary = fields.Nested(
        ReviewedComplaintSchema, dump_only=True, allow_none=True,
        metadata={"description": "null once the suggestion was rejected or the link split"},
    )
    state = fields.String(
        dump_only=True, allow_none=True, metadata={"enum": [*DUPLICATE_STATES, None]}
    )
    score = fields.Float(
        dump_only=True, allow_none=True,
        metadata={"description": "The matcher's score (0–1) when it found the pair"},
    )
    matcher_version = fields.Integer(dump_only=True, allow_none=True)
    distance_m = fields.Float(
        dump_only=True, allow_none=True,
        metadata={"description": "Metres between the two, when both have coordinates"},
    )
    decided_at = fields.AwareDateTime(
        dump_only=True, allow_none=True,
        metadata={"description": "When a person (or the review timeout) last decided"},
    )


class DuplicatePageSchema(Schema):
    items = fields.List(fields.Nested(DuplicateSchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)
