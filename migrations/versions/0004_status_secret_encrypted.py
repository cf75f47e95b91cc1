"""encrypt the secret of the reporter's private status link at rest

`complaints.status_secret` becomes TEXT holding data-keyring ciphertext (`f1:…`), like the
reporter's fields: a copy of the database must not open every private status page. Values
already encrypted are left alone, so the upgrade can be rerun; the downgrade decrypts them and
goes back to VARCHAR(64).

PostgreSQL changes the column type in place. SQLite cannot, and rebuilding `complaints` would
trip the foreign keys of its events (Jembatan runs SQLite with foreign_keys=ON): a new column
takes the values, the old one is dropped and the new one renamed (SQLite 3.35 or newer).

Revision ID: 0004
Revises: 0002
Create Date: 2026-12-04 21:40:00
"""

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

from app.crypto import PREFIX, keyring

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_complaints = sa.table("complaints", sa.column("id"), sa.column("status_secret"))


def _convert(wanted: Callable[[str], bool], change: Callable[[str], str]) -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.select(_complaints.c.id, _complaints.c.status_secret)).all()
    for row in rows:
        if row.status_secret is not None and wanted(row.status_secret):
            bind.execute(
                sa.update(_complaints)
                .where(_complaints.c.id == row.id)
                .values(status_secret=change(row.status_secret))
            )


def _retype_sqlite(column_type: str) -> None:
    """Give `status_secret` the SQL type `column_type` without rebuilding the table."""
    op.execute(
        f"ALTER TABLE complaints ADD COLUMN status_secret_new {column_type} NOT NULL DEFAULT ''"
    )
    op.execute("UPDATE complaints SET status_secret_new = status_secret")
    op.execute("ALTER TABLE complaints DROP COLUMN status_secret")
    op.execute("ALTER TABLE complaints RENAME COLUMN status_secret_new TO status_secret")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _retype_sqlite("TEXT")
    else:
        op.alter_column(
            "complaints", "status_secret", type_=sa.Text(),
            existing_type=sa.String(length=64), existing_nullable=False,
        )
    _convert(lambda value: not value.startswith(PREFIX), lambda value: keyring().encrypt(value))


def downgrade() -> None:
    _convert(lambda value: value.startswith(PREFIX), lambda value: keyring().decrypt(value))
    if op.get_bind().dialect.name == "sqlite":
        _retype_sqlite("VARCHAR(64)")
    else:
        op.alter_column(
            "complaints", "status_secret", type_=sa.String(length=64),
            existing_type=sa.Text(), existing_nullable=False,
        )
