"""Leader leases (sync.lease): one holder at a time, expiry, renewal, release."""

from __future__ import annotations

import time
from datetime import timedelta

from app.database import Database
from sync.lease import holds_lease, leader, take_lease

NAME = "crm.poll"


def test_one_leader_at_a_time(db: Database) -> None:
    ttl = timedelta(seconds=30)
    first = take_lease(db, NAME, "worker-a", ttl)
    assert first is not None
    assert take_lease(db, NAME, "worker-b", ttl) is None
    # A dead leader's lease runs out, and then someone else leads.
    assert take_lease(db, NAME, "worker-a", timedelta(seconds=-1)) is not None
    assert take_lease(db, NAME, "worker-b", ttl) is not None
    assert take_lease(db, NAME, "worker-a", ttl) is None


def test_a_long_tick_keeps_its_lease_by_renewing_it(db: Database) -> None:
    token = take_lease(db, NAME, "poller-a", timedelta(seconds=1))
    assert token is not None
    with db.transaction() as session:
        assert holds_lease(session, NAME, token, extend=timedelta(seconds=30))
    time.sleep(1.2)
    # Renewed: still ours past the first expiry, and nobody else can take it.
    assert take_lease(db, NAME, "poller-b", timedelta(seconds=1)) is None
    with db.transaction() as session:
        assert holds_lease(session, NAME, token)


def test_a_tick_gives_its_lease_back_and_a_lost_lease_is_not_held(db: Database) -> None:
    ttl = timedelta(seconds=30)
    with leader(db, NAME, "worker-a", ttl) as token:
        assert token is not None
        with leader(db, NAME, "worker-b", ttl) as other:
            assert other is None  # worker-a leads
    # Released at the end of the tick: the next worker leads at once, not after the TTL.
    taken = take_lease(db, NAME, "worker-b", ttl)
    assert taken is not None
    with db.transaction() as session:
        assert not holds_lease(session, NAME, token)
        assert not holds_lease(session, NAME, token, extend=ttl)
        assert holds_lease(session, NAME, taken)
