"""The CRM's status updates as received: the record that makes applying each one idempotent."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import utcnow
from app.database import Base, UTCDateTime


class CrmUpdate(Base):
    """Every status update read from (or pushed by) the CRM, applied at most once."""

    __tablename__ = "crm_updates"
    __table_args__ = (Index("ix_crm_updates_received", "received_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    update_id: Mapped[str] = mapped_column(String(128), unique=True)
    service_request_id: Mapped[str | None] = mapped_column(String(64), index=True)
    complaint_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("complaints.id"))
    status: Mapped[str | None] = mapped_column(String(64))
    external_status_code: Mapped[str | None] = mapped_column(String(64))
    updated_datetime: Mapped[datetime | None] = mapped_column(UTCDateTime)
    description: Mapped[str | None] = mapped_column(Text)
    agency: Mapped[str | None] = mapped_column(String(200))
    # applied | stale | unmapped | unknown_ticket | invalid
    outcome: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    raw: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
