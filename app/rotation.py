"""Re-encrypting stored personal data and secrets with the newest data key, in batches.

Works on the raw stored values (a typeless view of the tables), so a row already encrypted with
the newest key is left alone and a rerun after an interruption only does what is left. Web and
worker processes keep running meanwhile: every key in JEMBATAN_DATA_KEYS still decrypts.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import column, func, select, table, update
from sqlalchemy.orm import Session

from app.crypto import keyring
from app.progress import NO_PROGRESS, Progress

# table → (primary key, encrypted columns)
ENCRYPTED_COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "complaints": (
        "id",
        (
            "reporter_name", "reporter_phone", "reporter_email", "reporter_nik", "address",
            "status_secret",
        ),
    ),
    "idempotency_records": ("id", ("response_body",)),
    "webhook_subscriptions": ("id", ("secret", "previous_secret")),
    "factions": ("id", ("feed_api_key",)),
    "console_accounts": ("id", ("totp_secret",)),
}


def reencrypt_all(
    session: Session, batch_size: int = 500, progress: Progress = NO_PROGRESS
) -> dict[str, int]:
    """Re-encrypt every stored value not yet under the newest key; commits each batch."""
    ring = keyring()
    counts = {"rows": 0, "values": 0, "current": 0}
    if progress is not NO_PROGRESS:
        progress.reset(total=sum(
            session.execute(select(func.count()).select_from(table(name))).scalar_one()
            for name in ENCRYPTED_COLUMNS
        ))
    for name, (pk, columns) in ENCRYPTED_COLUMNS.items():
        raw = table(name, column(pk), *(column(c) for c in columns))
        key_column = raw.c[pk]
        last: Any = None
        while True:
            query = select(raw).order_by(key_column).limit(batch_size)
            if last is not None:
                query = query.where(key_column > last)
            rows = session.execute(query).all()
            if not rows:
                break
            for row in rows:
                changes = {
                    c: ring.rotate(getattr(row, c))
                    for c in columns
                    if getattr(row, c) is not None and not ring.is_current(getattr(row, c))
                }
                if changes:
                    session.execute(
                        update(raw).where(key_column == getattr(row, pk)).values(**changes)
                    )
                    counts["rows"] += 1
                    counts["values"] += len(changes)
                elif any(getattr(row, c) is not None for c in columns):
                    counts["current"] += 1
            last = getattr(rows[-1], pk)
            session.commit()
            progress.update(len(rows))
    return counts
