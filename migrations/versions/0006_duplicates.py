"""duplicates: a complaint's primary, the decision's state, score and matcher version

`complaints` gains `duplicate_of_id` (the primary, a complaint of its own table),
`duplicate_state` (NULL, suggested, linked, rejected), `duplicate_score`, `matcher_version`,
`duplicate_decided_at` and `geocell` (app.matching.cell of the coordinates), with the four
partial indexes the candidate search reads (open and recently terminal primaries, by grid
cell and by kelurahan) and a partial one of the suggestions awaiting review
(docs/ARCHITECTURE.md#duplicates). Existing complaints keep no state and no cell: the
candidate search still finds them by their kelurahan.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.database

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The candidate search's partial indexes (app/models/complaint.py): primaries, open or terminal.
_OPEN = "duplicate_of_id IS NULL AND status NOT IN ('resolved', 'rejected', 'closed')"
_CLOSED = "duplicate_of_id IS NULL AND status IN ('resolved', 'rejected', 'closed')"


def upgrade() -> None:
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.add_column(sa.Column('duplicate_of_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('duplicate_state', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('duplicate_score', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('matcher_version', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column(
            'duplicate_decided_at', app.database.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('geocell', sa.String(length=16), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_complaints_duplicate_of_id_complaints'), 'complaints',
            ['duplicate_of_id'], ['id'])
        batch_op.create_index(
            batch_op.f('ix_complaints_duplicate_of_id'), ['duplicate_of_id'], unique=False)
        for state, predicate in (('open', _OPEN), ('closed', _CLOSED)):
            for area in ('geocell', 'kelurahan_code'):
                batch_op.create_index(
                    f'ix_complaints_dedup_{state}_{area}',
                    ['category', area, *(['updated_at'] if state == 'closed' else
                                         ['geocell'] if area == 'kelurahan_code' else [])],
                    unique=False, postgresql_where=sa.text(predicate),
                    sqlite_where=sa.text(predicate))
        batch_op.create_index(
            'ix_complaints_suggested', ['created_at', 'id'], unique=False,
            postgresql_where=sa.text("duplicate_state = 'suggested'"),
            sqlite_where=sa.text("duplicate_state = 'suggested'"))


def downgrade() -> None:
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_index('ix_complaints_suggested')
        for state in ('closed', 'open'):
            for area in ('kelurahan_code', 'geocell'):
                batch_op.drop_index(f'ix_complaints_dedup_{state}_{area}')
        batch_op.drop_index(batch_op.f('ix_complaints_duplicate_of_id'))
        batch_op.drop_constraint(
            batch_op.f('fk_complaints_duplicate_of_id_complaints'), type_='foreignkey')
        for name in ('geocell', 'duplicate_decided_at', 'matcher_version', 'duplicate_score',
                     'duplicate_state', 'duplicate_of_id'):
            batch_op.drop_column(name)
