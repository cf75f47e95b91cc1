"""People who sign in to the posko console (docs/CONSOLE.md): accounts bound to one faction,
their invitations, the faction's console settings, failed sign-ins (throttling) and what each
person has already seen of each complaint (the "changed since your last visit" mark)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow
from app.crypto import EncryptedText
from app.database import Base, UTCDateTime
from app.models.faction import Faction

CONSOLE_ROLES = ("staf", "koordinator")


class ConsoleAccount(Base):
    """A member of one faction's posko staff: `staf` or `koordinator`.

    `password_hash` stays empty until the person opens their invitation; `session_epoch`
    is stored in the signed session cookie and bumped on a new password or a disabling, so
    every session opened before stops working at once.
    """

    __tablename__ = "console_accounts"
    __table_args__ = (Index("ix_console_accounts_faction", "faction_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    faction_id: Mapped[int] = mapped_column(ForeignKey("factions.id"))
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lowercased
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # The TOTP seed: a second factor only if it stays secret, so encrypted at rest.
    totp_secret: Mapped[str | None] = mapped_column(EncryptedText)
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The last accepted TOTP time step: a code is good once (no replay within its window).
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    faction: Mapped[Faction] = relationship(lazy="joined")

    @property
    def has_password(self) -> bool:
        return self.password_hash is not None

    @property
    def has_totp(self) -> bool:
        return self.totp_enabled_at is not None


class ConsoleInvitation(Base):
    """A single-use, expiring link that lets a person set their password (only its hash)."""

    __tablename__ = "console_invitations"
    __table_args__ = (Index("ix_console_invitations_account", "account_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("console_accounts.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    account: Mapped[ConsoleAccount] = relationship(lazy="joined")


class ConsoleFactionSettings(Base):
    """A faction's console policy, set by its koordinator (a row only once one is set)."""

    __tablename__ = "console_faction_settings"

    faction_id: Mapped[int] = mapped_column(ForeignKey("factions.id"), primary_key=True)
    totp_required: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ConsoleLoginFailure(Base):
    """One failed sign-in, counted per e-mail and per address within a window (throttling).

    In the database, not in a process's memory, so every web process sees the same count.
    """

    __tablename__ = "console_login_failures"
    __table_args__ = (
        Index("ix_console_login_failures_email", "email", "occurred_at"),
        Index("ix_console_login_failures_address", "address", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    address: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ConsoleSeen(Base):
    """How far a person has read a complaint's history (its `seq` when they last opened it)."""

    __tablename__ = "console_seen"
    __table_args__ = (UniqueConstraint("account_id", "complaint_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("console_accounts.id"))
    complaint_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("complaints.id"))
    seq: Mapped[int] = mapped_column(Integer)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
