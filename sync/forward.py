"""Forwarding complaints to the CRM: the `crm.submit` and `crm.update` topics.

Intake enqueues one `crm.submit` message per complaint in the transaction that stores it. Here
a worker reads what the CRM needs (prepare), POSTs it with the complaint's tracking code as
`gateway_ref` and `Idempotency-Key` (perform, no transaction open), and records the ticket and
the `forwarded` status event in the transaction that marks the message done (complete);
complaints linked to it as duplicates follow it there (app.duplicates.follow_many).

A linked duplicate opens no ticket: its `crm.update` message posts an update on the primary's
ticket ("also reported by Fraksi X, JBT-…", mySociety's POST servicerequestupdates) with an
update_id made from the duplicate's tracking code, the ticket and the link, so a retry is the
same update (docs/ARCHITECTURE.md#duplicates).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, defer, joinedload

from app import duplicates
from app.breaker import policy_from_settings
from app.clock import utcnow
from app.config import Settings
from app.duplicates import CRM_DESTINATION
from app.duplicates import CRM_SUBMIT as CRM_SUBMIT_TOPIC
from app.events import next_event, store_events
from app.models import Complaint, Faction, OutboxMessage
from app.reference import areas
from app.wiring import categories_of
from sync.context import WorkerContext
from sync.crm import CrmClient, CrmSubmission
from sync.errors import DeliveryError, FatalError, RetriableError
from sync.outbox import RunStats, TopicPolicy

log = logging.getLogger(__name__)

CRM_SUBMIT = TopicPolicy(CRM_SUBMIT_TOPIC, base_delay_s=2.0, max_delay_s=600.0, max_attempts=50,
                         destination_prefix=CRM_DESTINATION)
CRM_UPDATE = TopicPolicy(duplicates.CRM_UPDATE, base_delay_s=2.0, max_delay_s=600.0,
                         max_attempts=50, destination_prefix=CRM_DESTINATION)


def crm_submit_policy(settings: Settings, topic: str = CRM_SUBMIT.name) -> TopicPolicy:
    """The crm.submit (or crm.update) retry policy, with the breaker timings the settings give.

    A message waits at most the breaker's longest cool-down between attempts: a CRM that is
    down is the breaker's to wait out (an open breaker spends no attempts), so a longer
    backoff would only keep a message waiting after the CRM is back (docs/OPERATIONS.md#
    circuit-breakers).
    """
    return TopicPolicy(
        topic,
        base_delay_s=settings.CRM_RETRY_BASE_S,
        max_delay_s=min(CRM_SUBMIT.max_delay_s,
                        max(settings.CRM_BREAKER_MAX_COOLDOWN_S, settings.CRM_RETRY_BASE_S)),
        max_attempts=CRM_SUBMIT.max_attempts,
        max_age_s=CRM_SUBMIT.max_age_s,
        breaker=policy_from_settings(settings, "CRM"),
        destination_prefix=CRM_DESTINATION,
    )


@dataclass(frozen=True)
class Forwarded:
    """The CRM's answer for one complaint."""

    complaint_id: uuid.UUID
    crm_ticket_id: str


# The reporter's details never go to the CRM: not loading them spares four decryptions.
NO_REPORTER = tuple(
    defer(column) for column in (
        Complaint.reporter_name, Complaint.reporter_phone, Complaint.reporter_email,
        Complaint.reporter_nik,
    )
)


# What completing a submission reads: the complaint with its faction (the event's listeners
# need its code), not the texts nobody changes here.
_NOT_FOR_COMPLETION = tuple(
    defer(column) for column in (
        Complaint.title, Complaint.description, Complaint.address, Complaint.attachments,
    )
)
_PRELOADED = "forward.preloaded_complaints"


def _for_completion(condition: Any) -> Select[tuple[Complaint]]:
    return (
        select(Complaint)
        .where(condition)
        .options(joinedload(Complaint.faction, innerjoin=True), *NO_REPORTER,
                 *_NOT_FOR_COMPLETION)
        .order_by(Complaint.id)
        .with_for_update(of=Complaint)
    )


@dataclass(frozen=True)
class PreparedSubmission:
    complaint_id: uuid.UUID
    submission: CrmSubmission


class ForwardHandler:
    """The crm.submit handler: one complaint becomes one CRM ticket."""

    def __init__(self, client: CrmClient, settings: Settings) -> None:
        self.client = client
        self.settings = settings

    def preload(self, session: Session, messages: list[OutboxMessage]) -> None:
        """Read a batch's complaints (and their factions) in one query."""
        ids = []
        for message in messages:
            try:
                ids.append(_complaint_id(message))
            except FatalError:
                continue  # prepare reports it for this message alone
        if ids:
            # Held in session.info for prepare: the identity map alone keeps weak references.
            session.info[_PRELOADED] = session.scalars(
                select(Complaint).where(Complaint.id.in_(ids)).options(*NO_REPORTER)
            ).all()

    def prepare(self, session: Session, message: OutboxMessage) -> PreparedSubmission | None:
        """Load the complaint, its faction and kelurahan; None if it already has a ticket."""
        complaint_id = _complaint_id(message)
        complaint = session.get(Complaint, complaint_id)
        if complaint is None:
            raise FatalError(f"complaint {complaint_id} does not exist")
        if complaint.crm_ticket_id or complaint.duplicate_state == duplicates.LINKED:
            return None  # forwarded already, or a duplicate that follows another's ticket
        faction = session.get(Faction, complaint.faction_id)
        assert faction is not None  # a foreign key
        category = categories_of(self.settings).get(complaint.category)
        if category is None:
            raise FatalError(f"category {complaint.category!r} is not configured")
        attachments = complaint.attachments or []
        submission = CrmSubmission(
            tracking_code=complaint.tracking_code,
            service_code=category.crm_service_code,
            title=complaint.title,
            text=complaint.description,
            faction_code=faction.code,
            faction_name=faction.name,
            kelurahan_code=complaint.kelurahan_code,
            kelurahan_name=areas().name(complaint.kelurahan_code),
            address=complaint.address,
            lat=complaint.lat,
            lon=complaint.lon,
            media_url=attachments[0].get("url") if attachments else None,
        )
        return PreparedSubmission(complaint.id, submission)

    def perform(self, prepared: PreparedSubmission) -> Forwarded:
        """POST the complaint to the CRM."""
        ticket = self.client.submit(prepared.submission)
        return Forwarded(prepared.complaint_id, ticket)

    def complete(self, session: Session, message: OutboxMessage, result: Forwarded) -> None:
        """Store the ticket id and append `forwarded` (same transaction as the message)."""
        self.complete_many(session, [(message, result)])

    def complete_many(
        self, session: Session, done: list[tuple[OutboxMessage, Forwarded]]
    ) -> None:
        """`complete` for a finaliser group: one locking read, one INSERT of the events."""
        ids = sorted({result.complaint_id for _, result in done})
        # Locked (in id order) on PostgreSQL: the status poller may append to them at once.
        complaints = {
            complaint.id: complaint
            for complaint in session.scalars(_for_completion(Complaint.id.in_(ids)))
        }
        now = utcnow()
        appended = []
        for _, result in done:
            complaint = complaints.get(result.complaint_id)
            if complaint is None or complaint.crm_ticket_id:
                continue  # gone, or forwarded already (a replayed message)
            if complaint.duplicate_state == duplicates.LINKED:
                # Linked while its ticket was being made (a lease that ran out under a hung
                # call): the ticket exists, so it is the complaint's own from now on.
                log.warning("complaint %s was linked while forwarded; it keeps ticket %s",
                            complaint.tracking_code, result.crm_ticket_id)
                complaint.duplicate_state = duplicates.REJECTED
                complaint.duplicate_of_id = None
            complaint.crm_ticket_id = result.crm_ticket_id
            complaint.forwarded_at = now
            note = f"Diteruskan ke CRM dengan nomor tiket {result.crm_ticket_id}."
            # Our own words, nobody's identity: the public note is the note (and the
            # reporter's fields, deferred above, stay unloaded).
            event = next_event(
                complaint, "forwarded", source="gateway", occurred_at=now, note=note,
                public_note=note,
            )
            appended.append((complaint, event))
            log.info("complaint %s forwarded: ticket %s", complaint.tracking_code,
                     result.crm_ticket_id)
        store_events(session, appended)
        # Their duplicates follow them to the CRM (and tell it they report it too).
        duplicates.follow_many(session, appended)

    def dead(self, session: Session, message: OutboxMessage, error: str) -> None:
        """A dead crm.submit stays visible in `jembatan dlq list`; nothing else to do."""


@dataclass(frozen=True)
class PreparedUpdate:
    """One update on a primary's ticket, ready to POST."""

    service_request_id: str
    update_id: str
    status: str
    description: str


class UpdateHandler:
    """The crm.update handler: a linked duplicate told to the CRM on its primary's ticket."""

    def __init__(self, client: CrmClient) -> None:
        self.client = client

    def prepare(self, session: Session, message: OutboxMessage) -> PreparedUpdate | None:
        """The primary's ticket and the update's text; None once the link is gone."""
        try:
            complaint_id = uuid.UUID(str(message.payload["complaint_id"]))
            primary_id = uuid.UUID(str(message.payload["primary_id"]))
            link = int(message.payload["link"])
        except (KeyError, TypeError, ValueError) as exc:
            raise FatalError(f"crm.update payload is incomplete: {exc}") from None
        complaint = session.get(Complaint, complaint_id, options=NO_REPORTER)
        primary = session.get(Complaint, primary_id, options=NO_REPORTER)
        if complaint is None or primary is None:
            raise FatalError(f"complaint {complaint_id} or {primary_id} does not exist")
        if complaint.duplicate_of_id != primary.id or complaint.duplicate_state != "linked":
            return None  # split (or linked elsewhere) since: nothing to tell
        if not primary.crm_ticket_id:
            # The primary's ticket is being made again (reconciliation): wait for it.
            raise RetriableError(f"primary {primary.tracking_code} has no CRM ticket yet",
                                 retry_after=30.0, counts_against_destination=False)
        faction = session.get(Faction, complaint.faction_id)
        assert faction is not None  # a foreign key
        return PreparedUpdate(
            service_request_id=primary.crm_ticket_id,
            update_id=duplicates.update_id_for(complaint, primary.crm_ticket_id, link),
            status=duplicates.crm_update_status(primary),
            description=duplicates.update_text(complaint, faction.name),
        )

    def perform(self, prepared: PreparedUpdate) -> str:
        """POST the update on the primary's ticket."""
        return self.client.post_update(
            prepared.service_request_id, prepared.update_id, utcnow(), prepared.status,
            prepared.description)

    def complete(self, session: Session, message: OutboxMessage, result: str) -> None:
        """Nothing to record: the message done is the record that the CRM was told."""
        log.info("crm update %s posted", result)

    def dead(self, session: Session, message: OutboxMessage, error: str) -> None:
        """A dead crm.update stays visible in `jembatan dlq list`, replayable."""


def _complaint_id(message: OutboxMessage) -> uuid.UUID:
    try:
        return uuid.UUID(str(message.payload["complaint_id"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise FatalError(f"crm.submit payload has no valid complaint_id: {exc}") from None


def register(context: WorkerContext) -> None:
    """Register the crm.submit and crm.update handlers (on the context's CRM client)."""
    context.outbox.register(crm_submit_policy(context.settings),
                            ForwardHandler(context.crm, context.settings))
    context.outbox.register(crm_submit_policy(context.settings, CRM_UPDATE.name),
                            UpdateHandler(context.crm))


def forward_job(context: WorkerContext) -> RunStats:
    """Forward due complaints to the CRM, and tell it of their duplicates."""
    return context.outbox.run([CRM_SUBMIT.name, CRM_UPDATE.name],
                              batch=context.settings.BATCH_SIZE)


def check_service_codes(context: WorkerContext) -> list[str]:
    """Compare the category → service-code mapping with the CRM's services; log the unknown.

    Returns the categories whose code the CRM does not list. A CRM that cannot be reached is
    reported and skipped: the worker starts anyway and forwarding retries on its own.
    """
    client = context.crm
    categories = categories_of(context.settings)
    try:
        offered = {str(service["service_code"]) for service in client.services()}
    except DeliveryError as exc:
        log.warning("could not check CRM service codes (CRM unreachable?): %s", exc)
        return []
    unknown = sorted(
        code for code, category in categories.items()
        if category.crm_service_code not in offered
    )
    if unknown:
        pairs = ", ".join(f"{c} → {categories[c].crm_service_code}" for c in unknown)
        log.error(
            "CRM does not offer the service codes of %d categories (%s); complaints in them "
            "will be dead-lettered until JEMBATAN_CATEGORIES_FILE is fixed: %s",
            len(unknown), client.base_url, pairs,
        )
    else:
        log.info("all %d category service codes are offered by the CRM", len(categories))
    return unknown
