"""Leader leases: one worker at a time runs a job that owns a cursor (the poller, reconciliation).

A lease is a row in `leases`, taken by a conditional UPDATE that succeeds only when the row is
free, expired, or already ours; it carries a fresh token each time it is taken. It expires on
its own when its holder dies, so the next worker takes over without anyone releasing it. Work
done under a lease checks `holds_lease` in the transaction that records it, so a holder that
lost its lease (paused past its expiry) cannot overwrite its successor's progress.
See docs/ARCHITECTURE.md#coordination.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.clock import utcnow
from app.database import Database
from app.models import Lease


def take_lease(db: Database, name: str, owner: str, ttl: timedelta) -> str | None:
    """Take (or renew) the lease `name` for `owner`; its token, or None if someone holds it."""
    now = utcnow()
    token = uuid.uuid4().hex
    with db.transaction() as session:
        if session.get(Lease, name) is None:
            try:
                with session.begin_nested():
                    session.add(Lease(name=name))
                    session.flush()
            except IntegrityError:
                pass
        result = session.execute(
            update(Lease)
            .where(
                Lease.name == name,
                or_(Lease.owner.is_(None), Lease.expires_at.is_(None), Lease.expires_at < now,
                    Lease.owner == owner),
            )
            .values(owner=owner, token=token, expires_at=now + ttl)
            .execution_options(synchronize_session=False)
        )
    return token if result.rowcount == 1 else None


def holds_lease(
    session: Session, name: str, token: str, extend: timedelta | None = None
) -> bool:
    """Whether `token` still holds the lease (the row stays locked till commit).

    With `extend`, a held lease is renewed for that long: a tick working through a large
    backlog keeps its lease batch after batch instead of losing it halfway and leaving the
    next leader to read the same window again.
    """
    now = utcnow()
    if extend is not None:
        result = session.execute(
            update(Lease)
            .where(Lease.name == name, Lease.token == token, Lease.expires_at > now)
            .values(expires_at=now + extend)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1
    query = select(Lease).where(Lease.name == name, Lease.token == token,
                                Lease.expires_at > now)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return session.scalars(query).first() is not None


def release_lease(db: Database, name: str, token: str) -> None:
    """Give the lease up (only if it is still ours)."""
    with db.transaction() as session:
        session.execute(
            update(Lease)
            .where(Lease.name == name, Lease.token == token)
            .values(owner=None, token=None, expires_at=None)
            .execution_options(synchronize_session=False)
        )


@contextmanager
def leader(db: Database, name: str, owner: str, ttl: timedelta) -> Iterator[str | None]:
    """The lease `name` for the duration of a tick (None: another worker leads)."""
    token = take_lease(db, name, owner, ttl)
    try:
        yield token
    finally:
        if token is not None:
            release_lease(db, name, token)
