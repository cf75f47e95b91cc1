"""Factions (fraksi) and their API keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow
from app.crypto import EncryptedText
from app.database import Base, UTCDateTime

ROLES = ("faction", "admin", "crm")


class Faction(Base):
    """A DPRD faction that runs a complaint post (posko)."""

    __tablename__ = "factions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    # Mirroring (a posko that can neither push nor receive): its own Open311 endpoint.
    feed_url: Mapped[str | None] = mapped_column(String(500))
    feed_api_key: Mapped[str | None] = mapped_column(EncryptedText)  # encrypted at rest
    feed_format: Mapped[str] = mapped_column(String(8), default="xml")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    api_keys: Mapped[list[ApiKey]] = relationship(back_populates="faction")


class ApiKey(Base):
    """A bearer key `jbt_<key_id>_<secret>`; only the secret's hash is stored."""

    __tablename__ = "api_keys"
    __table_args__ = (Index("ix_api_keys_faction_id", "faction_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key_id: Mapped[str] = mapped_column(String(32), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    faction_id: Mapped[int | None] = mapped_column(ForeignKey("factions.id"))
    label: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    faction: Mapped[Faction | None] = relationship(back_populates="api_keys")

    @property
    def active(self) -> bool:
        return self.revoked_at is None
