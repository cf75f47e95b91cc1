"""encrypt webhook signing secrets and posko feed keys at rest

The columns stay TEXT; their values become data-keyring ciphertext (`f1:…`), as the reporter's
fields are. Rows already encrypted are left alone, so the upgrade can be rerun. The keyring is
only needed when there is something to encrypt (a fresh database has nothing).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 01:20:00
"""

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

from app.crypto import PREFIX, keyring

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table → (primary key, columns holding a secret)
SECRETS = {
    "webhook_subscriptions": ("id", ("secret", "previous_secret")),
    "factions": ("id", ("feed_api_key",)),
}


def _convert(wanted: Callable[[str], bool], change: Callable[[str], str]) -> None:
    bind = op.get_bind()
    for name, (pk, columns) in SECRETS.items():
        raw = sa.table(name, sa.column(pk), *(sa.column(c) for c in columns))
        for row in bind.execute(sa.select(raw)).all():
            values = {
                c: change(getattr(row, c)) for c in columns
                if getattr(row, c) is not None and wanted(getattr(row, c))
            }
            if values:
                bind.execute(sa.update(raw).where(raw.c[pk] == getattr(row, pk)).values(**values))


def upgrade() -> None:
    _convert(lambda value: not value.startswith(PREFIX), lambda value: keyring().encrypt(value))


def downgrade() -> None:
    _convert(lambda value: value.startswith(PREFIX), lambda value: keyring().decrypt(value))
