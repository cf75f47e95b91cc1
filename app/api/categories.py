"""`/api/v1/categories`."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from app.auth import authenticate
from app.wiring import categories_of
from schemas.category import CategoryListSchema

blp = Blueprint(
    "categories", __name__, url_prefix="/api/v1/categories", description="Complaint categories"
)


@blp.route("")
class Categories(MethodView):
    @blp.response(200, CategoryListSchema)
    def get(self) -> Any:
        """List the category codes, labels, SLA days and responsible SKPD."""
        authenticate()
        return {
            "items": [
                {
                    "code": c.code,
                    "label": c.label_id,
                    "label_en": c.label_en,
                    "group": c.group,
                    "agency": c.agency,
                    "crm_service_code": c.crm_service_code,
                    "sla_days": c.sla_days,
                }
                for c in categories_of(current_app.extensions["settings"]).values()
            ]
        }
