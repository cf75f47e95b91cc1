"""RFC 9457 problem details, as every `/api` error is rendered (see app.errors)."""

from __future__ import annotations

from marshmallow import Schema, fields


class ProblemSchema(Schema):
    """An error: what went wrong, and for validation failures which fields (dotted paths)."""

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
