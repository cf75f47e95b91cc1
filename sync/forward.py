"""Forwarding complaints to the CRM: the `crm.submit` topic (being written)."""

from __future__ import annotations

from typing import Any

from app.config import Settings
from sync.outbox import Outbox, TopicPolicy

CRM_SUBMIT = TopicPolicy("crm.submit", base_delay_s=2.0, max_delay_s=600.0, max_attempts=50)


def register(outbox: Outbox, settings: Settings) -> None:
    """Register the crm.submit handler (to be written)."""


def forward_job(context: Any) -> None:
    """Forward due complaints to the CRM."""
    context.outbox.run([CRM_SUBMIT.name], batch=context.settings.BATCH_SIZE)


def check_service_codes(context: Any) -> None:
    """Compare the category → service-code mapping with the CRM's services (to be written)."""
