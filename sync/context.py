"""What every worker job and topic handler is given: the worker's context.

One place builds it (`build_context`), so one place decides what a worker holds: its settings,
one database engine, the outbox engine, its name, and the connectors' clients — one CRM client
and one posko-feed client, each with its own HTTP session, shared by the jobs and handlers that
talk to that system. Jobs and topic modules import this module, never `sync.worker` (which
imports them to build its job table).
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from app import crypto
from app.config import Settings
from app.database import Database
from app.outbound import allow_private
from app.wiring import core_listeners
from sync.crm import CrmClient
from sync.feed import FeedClient
from sync.outbox import Outbox


@dataclass
class WorkerContext:
    """A worker's settings, database, outbox engine, name and connector clients."""

    settings: Settings
    db: Database
    outbox: Outbox
    worker_id: str
    crm: CrmClient
    feeds: FeedClient

    def close(self) -> None:
        """Close the clients' HTTP sessions and the database engine."""
        self.crm.close()
        self.feeds.session.close()
        self.db.dispose()


# A topic module's `register`: installs its handler (built from the context's clients) and its
# retry policy on the context's outbox.
TopicRegistration = Callable[[WorkerContext], None]


def new_worker_id() -> str:
    """host-pid-random: unique among running workers, readable in leases and logs."""
    return f"{socket.gethostname()[:20]}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


def build_context(
    settings: Settings,
    topics: Iterable[TopicRegistration] = (),
    worker_id: str | None = None,
    *,
    db: Database | None = None,
) -> WorkerContext:
    """The data keyring, a database with the core listeners (the same as the web's, from
    app.wiring), the outbox, the CRM and feed clients, then each given topic's handler.

    `db`: an engine built elsewhere with the same listeners (a test's, or a bench's).
    """
    crypto.configure(settings)
    db = db or Database(settings.DATABASE_URL, listeners=core_listeners(settings))
    worker_id = worker_id or new_worker_id()
    context = WorkerContext(
        settings=settings,
        db=db,
        outbox=Outbox(db, worker_id, lease_s=settings.LEASE_S,
                      concurrency=settings.OUTBOX_CONCURRENCY),
        worker_id=worker_id,
        crm=CrmClient.from_settings(settings),
        feeds=FeedClient(allow_private(settings)),
    )
    for register in topics:
        register(context)
    return context
