"""the circuit breaker's failure-rate window, half-open trials and Retry-After pause

`circuit_breakers` gains the sliding window (JSON ring of per-bucket counts), the count of
openings in a row, the half-open round's trial counters and `paused_until` (app/breaker.py,
docs/OPERATIONS.md#circuit-breakers). Existing rows keep their state, with an empty window and
no trials.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 22:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.database

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COUNTERS = ("trips", "trials_taken", "trials_ok", "trials_failed")


def upgrade() -> None:
    op.add_column("circuit_breakers", sa.Column("window", sa.JSON(), nullable=True))
    for name in _COUNTERS:
        op.add_column(
            "circuit_breakers",
            sa.Column(name, sa.Integer(), nullable=False, server_default="0"),
        )
    op.add_column(
        "circuit_breakers",
        sa.Column("paused_until", app.database.UTCDateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    for name in ("paused_until", *reversed(_COUNTERS), "window"):
        op.drop_column("circuit_breakers", name)
