"""store the public projection: redacted title, description and notes

Adds `complaints.public_title`, `complaints.public_description`, `complaints.redaction_version`
and `status_events.public_note`, and fills them. A complaint whose reporter data still exists
is redacted with it (decrypted with the data keyring, as 0002 encrypts); a complaint whose
reporter was already erased can only be redacted with what is left: the patterns catch
numbers and addresses, but a name the reporter wrote into the text, and that was masked at
render time before the erasure, is no longer known and stays. Rows already filled are left
alone, so the upgrade can be rerun. The keyring is only needed for rows with reporter data.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.crypto import PREFIX, keyring
from app.redaction import VERSION, Identity, redact

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 500
REPORTER = ("reporter_name", "address", "reporter_phone", "reporter_email", "reporter_nik")


def upgrade() -> None:
    # Plain ALTER TABLE ADD/DROP COLUMN (SQLite 3.35+): no table is rebuilt, so the partial
    # indexes and foreign keys stay exactly as 0001 made them.
    op.add_column('complaints', sa.Column('public_title', sa.Text(), nullable=True))
    op.add_column('complaints', sa.Column('public_description', sa.Text(), nullable=True))
    op.add_column('complaints', sa.Column('redaction_version', sa.Integer(), nullable=True))
    op.add_column('status_events', sa.Column('public_note', sa.Text(), nullable=True))
    _backfill()


def _plain(value: str | None) -> str | None:
    if value is None or not value.startswith(PREFIX):
        return value
    return keyring().decrypt(value)


def _backfill() -> None:
    bind = op.get_bind()
    complaints = sa.table(
        "complaints", sa.column("id", sa.Uuid()), sa.column("title"), sa.column("description"),
        *(sa.column(c) for c in REPORTER), sa.column("public_title"),
        sa.column("public_description"), sa.column("redaction_version", sa.Integer()),
    )
    events = sa.table(
        "status_events", sa.column("id", sa.Integer()), sa.column("complaint_id", sa.Uuid()),
        sa.column("note"), sa.column("public_note"),
    )
    while True:
        rows = bind.execute(
            sa.select(complaints).where(complaints.c.redaction_version.is_(None))
            .order_by(complaints.c.id).limit(BATCH)
        ).all()
        for row in rows:
            name, address, phone, email, nik = (_plain(getattr(row, c)) for c in REPORTER)
            identity = Identity(name=name, address=address, phone=phone, email=email, nik=nik)
            bind.execute(
                sa.update(complaints).where(complaints.c.id == row.id).values(
                    public_title=redact(row.title, identity),
                    public_description=redact(row.description, identity),
                    redaction_version=VERSION,
                )
            )
            for event in bind.execute(
                sa.select(events.c.id, events.c.note).where(
                    events.c.complaint_id == row.id, events.c.note.is_not(None)
                )
            ).all():
                bind.execute(
                    sa.update(events).where(events.c.id == event.id)
                    .values(public_note=redact(event.note, identity))
                )
        if len(rows) < BATCH:
            return


def downgrade() -> None:
    op.drop_column('status_events', 'public_note')
    for column in ('redaction_version', 'public_description', 'public_title'):
        op.drop_column('complaints', column)
