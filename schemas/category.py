"""Categories as the API shows them."""

from __future__ import annotations

from marshmallow import Schema, fields


class CategorySchema(Schema):
    """A complaint category, its deadline and the SKPD responsible for it."""

    code = fields.String(required=True, metadata={"example": "sampah"})
    label = fields.String(required=True, metadata={"description": "Indonesian label"})
    label_en = fields.String(required=True)
    group = fields.String()
    agency = fields.String(metadata={"description": "Responsible SKPD"})
    crm_service_code = fields.String()
    sla_days = fields.Integer(metadata={"description": "Deadline in Indonesian working days"})


class CategoryListSchema(Schema):
    items = fields.List(fields.Nested(CategorySchema), required=True)
