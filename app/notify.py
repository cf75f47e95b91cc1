"""Telling the workers that outbox work is due: PostgreSQL `NOTIFY`, sent inside the transaction.

A transaction that makes an outbox message due (an intake's crm.submit, a webhook fan-out, a
replayed dead letter) calls `outbox_due` with the message's topic. On PostgreSQL that is
`pg_notify('jembatan_outbox', topic)` in the same transaction: PostgreSQL delivers it to the
listening workers only when the transaction commits, and never if it rolls back, so a woken
worker always finds the row committed. Each worker listens on one connection (sync/wake.py)
and runs the topic's job at once instead of at its next tick; the ticks stay as the safety net
(docs/SCALING.md#sub-second-status).

One notification per topic per transaction: a fan-out of nine webhooks sends one, and
PostgreSQL itself folds identical notifications of a transaction into one. SQLite has no
NOTIFY: its workers keep their ticks alone.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

CHANNEL = "jembatan_outbox"

# session.info key: (the transaction the topics were sent in, the topics sent).
_SENT = "jembatan.notified"
_NOTIFY = text(f"SELECT pg_notify('{CHANNEL}', :topic)")


def outbox_due(session: Any, topic: str) -> None:
    """Wake the workers handling `topic` when the session's transaction commits (PostgreSQL)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    # A savepoint rolled back takes its notification with it: count per innermost transaction.
    transaction = session.get_nested_transaction() or session.get_transaction()
    sent = session.info.get(_SENT)
    if sent is None or sent[0] is not transaction:
        sent = (transaction, set())
        session.info[_SENT] = sent
    if topic in sent[1]:
        return
    session.execute(_NOTIFY, {"topic": topic})
    sent[1].add(topic)
