"""duplicates: a complaint's primary, the decision's state, score and matcher version

`complaints` gains `duplicate_of_id` (the primary, a complaint of its own table),
`duplicate_state` (NULL, suggested, linked, rejected), `duplicate_score`, `matcher_version`,
`duplicate_decided_at` and `geocell` (app.matching.cell of the coordinates), with the two
indexes the candidate search reads, and a partial one of the suggestions awaiting review (docs/ARCHITECTURE.md#duplicates). Existing complaints
keep no state and no cell: the candidate search still finds them by their kelurahan.

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
        batch_op.create_index(
            'ix_complaints_dedup_cell', ['category', 'geocell', 'status', 'updated_at'],
            unique=False)
        batch_op.create_index(
            'ix_complaints_dedup_kelurahan',
            ['category', 'kelurahan_code', 'status', 'updated_at'], unique=False)
        batch_op.create_index(
            'ix_complaints_suggested', ['created_at', 'id'], unique=False,
            postgresql_where=sa.text("duplicate_state = 'suggested'"),
            sqlite_where=sa.text("duplicate_state = 'suggested'"))


def downgrade() -> None:
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_index('ix_complaints_suggested')
        batch_op.drop_index('ix_complaints_dedup_kelurahan')
        batch_op.drop_index('ix_complaints_dedup_cell')
        batch_op.drop_index(batch_op.f('ix_complaints_duplicate_of_id'))
        batch_op.drop_constraint(
            batch_op.f('fk_complaints_duplicate_of_id_complaints'), type_='foreignkey')
        for name in ('geocell', 'duplicate_decided_at', 'matcher_version', 'duplicate_score',
                     'duplicate_state', 'duplicate_of_id'):
            batch_op.drop_column(name)
