"""RFC 9457 problem details, as every `/api` error is rendered (see app.errors)."""

from __future__ import annotations

from marshmallow import INCLUDE, Schema, fields


class ProblemSchema(Schema):
    """An error: what went wrong, and for validation failures which fields (dotted paths)."""

    class Meta:
        # RFC 9457 §3.2: a problem type may add members (the document must allow them).
        unknown = INCLUDE

    type = fields.String(metadata={"example": "/problems/validation-error"})
    title = fields.String(metadata={"example": "Validation failed"})
    status = fields.Integer(metadata={"example": 422})
    detail = fields.String()
    instance = fields.String(metadata={"example": "/api/v1/complaints"})
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={
            "description": "Messages by field, nested fields as dotted paths",
            "example": {"location.lat": ["Not in or near Jakarta (between -6.5 and -5.0)."]},
        },
    )
    complaint_id = fields.String(
        metadata={"description": "external-id-conflict: the complaint already stored"}
    )
    tracking_code = fields.String(
        metadata={"description": "external-id-conflict: that complaint's tracking code"}
    )
