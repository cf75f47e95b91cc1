"""Complaints (aduan) and their append-only status history."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ColumnElement,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    and_,
    text,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, defer, mapped_column, relationship

from app.clock import utcnow
from app.crypto import EncryptedText
from app.database import Base, UTCDateTime
from app.lifecycle import STATUSES, TERMINAL
from app.models.faction import Faction

VISIBILITIES = ("public", "anonymous", "confidential")
# The terminal statuses in lifecycle order, as the SQL below names them.
_TERMINAL_ORDERED = tuple(status for status in STATUSES if status in TERMINAL)
# "Overdue" (docs/API.md#overdue), as SQL text: the meaning of Complaint.is_overdue.
OVERDUE_SQL = (
    "overdue AND status NOT IN (" + ", ".join(f"'{s}'" for s in _TERMINAL_ORDERED) + ")"
)
# Overdue and shown publicly: the public site's partial index and its filter. The index's
# text must stay what migration 0001 created (a test compares them).
PUBLIC_OVERDUE_SQL = OVERDUE_SQL.replace(
    "overdue AND ", "overdue AND visibility <> 'confidential' AND ", 1
)
SOURCES = ("gateway", "crm", "admin")
# A complaint's standing as a duplicate (docs/ARCHITECTURE.md#duplicates); NULL: none found.
DUPLICATE_STATES = ("suggested", "linked", "rejected")
# Primaries a new complaint may duplicate, open or terminal, as SQL text: the predicates of
# the candidate search's partial indexes, and its filters (literals, so that any cached plan
# can use the indexes).
_PRIMARY_SQL = "duplicate_of_id IS NULL AND status "
_TERMINAL_LIST = "(" + ", ".join(f"'{s}'" for s in _TERMINAL_ORDERED) + ")"
DEDUP_OPEN_SQL = _PRIMARY_SQL + "NOT IN " + _TERMINAL_LIST
DEDUP_CLOSED_SQL = _PRIMARY_SQL + "IN " + _TERMINAL_LIST
# Awaiting review, as SQL text: the partial index's predicate and the queries' filter (a
# literal, so the planner can use the index whatever plan it caches).
SUGGESTED_SQL = "duplicate_state = 'suggested'"


class Complaint(Base):
    """One complaint collected by a faction's posko, mirrored into the CRM."""

    __tablename__ = "complaints"
    __table_args__ = (
        UniqueConstraint("faction_id", "external_id"),
        # Keyset pagination and `updated_since` pulls, per faction and overall.
        Index("ix_complaints_faction_updated", "faction_id", "updated_at", "id"),
        Index("ix_complaints_updated", "updated_at", "id"),
        Index("ix_complaints_faction_created", "faction_id", "created_at", "id"),
        Index("ix_complaints_created", "created_at", "id"),
        Index("ix_complaints_faction_status", "faction_id", "status"),
        Index("ix_complaints_faction_category", "faction_id", "category"),
        # The SLA sweep: open complaints whose deadline has passed. `status` sits before
        # `due_at` so the sweep reads one short range per open status and never the (ever
        # growing) resolved history.
        Index("ix_complaints_overdue_sweep", "overdue", "status", "due_at"),
        Index("ix_complaints_crm_ticket_id", "crm_ticket_id"),
        # Retention: reporter data not yet erased, of terminal complaints, oldest first.
        Index("ix_complaints_retention", "reporter_erased_at", "status", "updated_at"),
        # The public site's filtered lists, newest first (keyset on created_at, id).
        Index("ix_complaints_category_created", "category", "created_at", "id"),
        Index("ix_complaints_status_created", "status", "created_at", "id"),
        Index("ix_complaints_kota_created", "kota_code", "created_at", "id"),
        Index("ix_complaints_kecamatan_created", "kecamatan_code", "created_at", "id"),
        Index("ix_complaints_kelurahan_created", "kelurahan_code", "created_at", "id"),
        # Duplicate candidates (app/duplicates.py): primaries of one category near one spot
        # (grid cell, or kelurahan), open — the backlog alone — or terminal since a recent
        # `updated_at` — a range. Partial indexes whose predicates the search repeats as
        # literal SQL: neither reads the terminal history, so the search costs the same at 10k
        # and 1M rows, and a new complaint enters the two small open ones only.
        *(
            # Open: the kelurahan's key ends with the cell, for "stored without coordinates".
            Index(f"ix_complaints_dedup_{state}_{area}", "category", area,
                  *(("updated_at",) if state == "closed" else
                    ("geocell",) if area == "kelurahan_code" else ()),
                  postgresql_where=text(predicate), sqlite_where=text(predicate))
            for state, predicate in (("open", DEDUP_OPEN_SQL), ("closed", DEDUP_CLOSED_SQL))
            for area in ("geocell", "kelurahan_code")
        ),
        # Suggestions awaiting review, oldest first (the review list and its timeout): a
        # partial index, as small as the review queue.
        Index(
            "ix_complaints_suggested", "created_at", "id",
            postgresql_where=text(SUGGESTED_SQL), sqlite_where=text(SUGGESTED_SQL),
        ),
        # Public overdue complaints (dashboard and the `overdue` filter): a small partial index.
        Index(
            "ix_complaints_public_overdue",
            "created_at",
            "id",
            postgresql_where=text(PUBLIC_OVERDUE_SQL),
            sqlite_where=text(PUBLIC_OVERDUE_SQL),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tracking_code: Mapped[str] = mapped_column(String(16), unique=True)
    faction_id: Mapped[int] = mapped_column(ForeignKey("factions.id"))
    external_id: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(16), default="api")  # api | open311 | feed
    category: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    kelurahan_code: Mapped[str] = mapped_column(String(16), index=True)
    kecamatan_code: Mapped[str] = mapped_column(String(16), index=True)
    kota_code: Mapped[str] = mapped_column(String(8), index=True)
    # The address may be the reporter's home: encrypted like the reporter's fields.
    address: Mapped[str | None] = mapped_column(EncryptedText)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    # Personal data of the reporter: never shown publicly, never logged, encrypted at rest.
    reporter_name: Mapped[str | None] = mapped_column(EncryptedText)
    reporter_phone: Mapped[str | None] = mapped_column(EncryptedText)
    reporter_email: Mapped[str | None] = mapped_column(EncryptedText)
    reporter_nik: Mapped[str | None] = mapped_column(EncryptedText)
    reporter_erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    visibility: Mapped[str] = mapped_column(String(16), default="anonymous")
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # Fingerprint of the submitted content, to tell a replay from a conflicting resubmission.
    content_hash: Mapped[str] = mapped_column(String(64))
    # The public projection (app/projection.py): title and description as every keyless surface
    # shows them, redacted once while the reporter's identity is known (intake), by the
    # detector version `redaction_version`. Erasure keeps them: never recomputed from less.
    public_title: Mapped[str | None] = mapped_column(Text)
    public_description: Mapped[str | None] = mapped_column(Text)
    redaction_version: Mapped[int | None] = mapped_column(Integer)
    # Secret half of the reporter's private status link: encrypted at rest, like the
    # reporter's fields (a copy of the database must not open every status page).
    status_secret: Mapped[str] = mapped_column(EncryptedText)

    status: Mapped[str] = mapped_column(String(16), default="received")
    seq: Mapped[int] = mapped_column(Integer, default=0)
    crm_ticket_id: Mapped[str | None] = mapped_column(String(64))
    agency: Mapped[str | None] = mapped_column(String(200))
    forwarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # updated_datetime of the newest CRM update applied: older ones change no status.
    crm_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # Duplicates (app/duplicates.py): the primary this complaint duplicates (linked or
    # suggested), the decision's state, score and matcher version, and when a person (or the
    # review timeout) last decided. `geocell` is app.matching.cell(lat, lon), for the
    # candidate search; NULL without coordinates.
    duplicate_of_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("complaints.id"), index=True
    )
    duplicate_state: Mapped[str | None] = mapped_column(String(16))
    duplicate_score: Mapped[float | None] = mapped_column(Float)
    matcher_version: Mapped[int | None] = mapped_column(Integer)
    duplicate_decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    geocell: Mapped[str | None] = mapped_column(String(16))

    faction: Mapped[Faction] = relationship(lazy="joined")
    events: Mapped[list[StatusEvent]] = relationship(
        back_populates="complaint", order_by="StatusEvent.seq"
    )
    duplicate_of: Mapped[Complaint | None] = relationship(remote_side=[id], lazy="select")

    @hybrid_property
    def is_overdue(self) -> bool:
        """Overdue, the one meaning (docs/API.md#overdue): the SLA sweep has marked the
        complaint past its deadline (`overdue`, which stays set) AND its status is not
        terminal. A complaint resolved late is not overdue; reopened, it is again.
        Usable in SQL too: `select(Complaint).where(Complaint.is_overdue)`."""
        return bool(self.overdue) and self.status not in TERMINAL

    @is_overdue.inplace.expression
    @classmethod
    def _is_overdue_expression(cls) -> ColumnElement[bool]:
        return and_(cls.overdue, cls.status.not_in(_TERMINAL_ORDERED))


def without_private() -> list[Any]:
    """Loader options that leave the reporter's data, the address and the status secret
    unread: reads that never show them (another faction's view, the review list) neither
    fetch nor decrypt them."""
    return [defer(column) for column in (
        Complaint.address, Complaint.reporter_name, Complaint.reporter_phone,
        Complaint.reporter_email, Complaint.reporter_nik, Complaint.status_secret,
    )]


class StatusEvent(Base):
    """One status change of a complaint; append-only, numbered by `seq` per complaint."""

    __tablename__ = "status_events"
    __table_args__ = (
        UniqueConstraint("complaint_id", "seq"),
        Index("ix_status_events_recorded", "recorded_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("complaints.id"))
    seq: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    previous_status: Mapped[str | None] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)
    # The note as the public sees it: redacted with the complaint's identity when stored.
    public_note: Mapped[str | None] = mapped_column(Text)
    # The CRM update that caused this event, when there was one.
    crm_update_id: Mapped[str | None] = mapped_column(String(128))

    complaint: Mapped[Complaint] = relationship(back_populates="events")
