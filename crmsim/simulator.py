"""The CRM's behaviour: tickets, idempotency on gateway_ref, progression, control actions.

HTTP lives in app.py; this module knows nothing of Flask so its rules read in one place.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import threading
from dataclasses import dataclass
from datetime import timedelta, timezone
from pathlib import Path
from typing import Any

from crmsim.faults import FaultInjector
from crmsim.progression import CLOSED_CODES, MYSOCIETY_STATUS, Step, plan_for
from crmsim.services import Service
from crmsim.store import Store, from_us, now_us

log = logging.getLogger(__name__)

# The CRM is in Jakarta and answers in WIB; clients must honour the offset, not assume UTC.
WIB = timezone(timedelta(hours=7), "WIB")

# JSC-like ticket numbers: numeric strings well clear of small integers.
TICKET_ID_BASE = 3_100_000
SERVICE_NOTICE = "Laporan diterima oleh CRM dan akan diverifikasi petugas."


@dataclass(frozen=True)
class NewTicket:
    """What a POST requests carried, already validated."""

    service_code: str
    ref: str | None
    description: str | None
    address_string: str | None
    address_id: str | None
    lat: float | None
    long: float | None
    media_url: str | None
    attributes: dict[str, list[str]]


@dataclass(frozen=True)
class Created:
    """The answer to a POST: the ticket (or its token) and whether this POST made it."""

    service_request_id: str
    token: str | None
    created: bool


class CrmSimulator:
    """One simulated CRM over one SQLite file."""

    def __init__(
        self,
        db_path: str | Path,
        services: dict[str, Service],
        *,
        speed: float,
        seed: int,
        tokens: bool = False,
        token_delay_s: float = 1.0,
    ) -> None:
        if speed <= 0:
            raise ValueError("speed must be > 0")
        self.store = Store(db_path)
        self.services = services
        self.speed = speed
        self.seed = seed
        self.tokens = tokens
        self.token_delay_s = token_delay_s
        self.faults = FaultInjector(seed)
        # Serialises every write, and reads of updates, so that no reader ever sees a state
        # where an update stamped before "now" is still uncommitted: a poller's window that
        # ends now will never miss it. Cheap: the simulator is not the thing being load-tested.
        self._lock = threading.RLock()
        self._paused_at_us: int | None = None
        self._ticker: threading.Thread | None = None
        self._stop = threading.Event()
        with self.store.connect() as db:
            last = db.execute("SELECT MAX(updated_us) FROM updates").fetchone()[0]
        self._last_stamp_us = last or 0

    # --- writing -------------------------------------------------------------------------

    def create_ticket(self, new: NewTicket) -> Created:
        """Create a ticket, or return the one an earlier POST with the same ref created."""
        with self._lock, self.store.write() as db:
            if new.ref is not None:
                existing = db.execute(
                    "SELECT number, service_request_id, token FROM tickets WHERE gateway_ref = ?",
                    (new.ref,),
                ).fetchone()
                if existing:
                    db.execute(
                        "UPDATE tickets SET post_count = post_count + 1 WHERE number = ?",
                        (existing["number"],),
                    )
                    return Created(existing["service_request_id"], existing["token"], False)
            now = now_us()
            visible = now + int(self.token_delay_s * 1e6) if self.tokens else now
            # The ticket id (and its plan) derive from the row number, known only after the
            # insert; the placeholder id never leaves this transaction.
            number = db.execute(
                "INSERT INTO tickets (service_request_id, gateway_ref, service_code, description,"
                " address_string, address_id, lat, long, media_url, attributes, created_us,"
                " visible_us, plan) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '[]')",
                (
                    f"pending-{now}-{id(new)}",
                    new.ref,
                    new.service_code,
                    new.description,
                    new.address_string,
                    new.address_id,
                    new.lat,
                    new.long,
                    new.media_url,
                    json.dumps(new.attributes, ensure_ascii=False),
                    now,
                    visible,
                ),
            ).lastrowid
            assert number is not None
            service_request_id = str(TICKET_ID_BASE + number)
            token = self._token_for(number) if self.tokens else None
            plan = plan_for(self.seed, number, self.services[new.service_code].agency)
            db.execute(
                "UPDATE tickets SET service_request_id = ?, token = ?, plan = ?, next_due_us = ?"
                " WHERE number = ?",
                (
                    service_request_id,
                    token,
                    json.dumps([s.to_json() for s in plan]),
                    visible,
                    number,
                ),
            )
            if not self.tokens:
                # The first status (MENUNGGU) exists as soon as the ticket does.
                self._apply_due(db, now, only_number=number)
            return Created(service_request_id, token, True)

    def _token_for(self, number: int) -> str:
        # Deterministic for a seed, yet not guessable from the ticket number alone.
        return hashlib.sha256(f"crmsim:{self.seed}:token:{number}".encode()).hexdigest()[:20]

    def advance(self) -> int:
        """Apply every step that is due; returns how many updates were written."""
        with self._lock:
            if self._paused_at_us is not None:
                return 0
            with self.store.write() as db:
                return self._apply_due(db, now_us())

    def _stamp(self, now: int) -> int:
        # Strictly increasing stamps: updates applied in one tick stay in order by time.
        self._last_stamp_us = max(now, self._last_stamp_us + 1)
        return self._last_stamp_us

    def _apply_due(self, db: sqlite3.Connection, now: int, only_number: int | None = None) -> int:
        query = (
            "SELECT number, service_request_id, plan, next_step, next_due_us FROM tickets"
            " WHERE next_due_us IS NOT NULL AND next_due_us <= ?"
        )
        params: tuple[Any, ...] = (now,)
        if only_number is not None:
            query += " AND number = ?"
            params += (only_number,)
        written = 0
        for ticket in db.execute(query + " ORDER BY next_due_us, number", params).fetchall():
            plan = [Step.from_json(s) for s in json.loads(ticket["plan"])]
            step_index, due = ticket["next_step"], ticket["next_due_us"]
            while due is not None and due <= now:
                step = plan[step_index]
                self._write_update(db, ticket["service_request_id"], step, self._stamp(now))
                written += 1
                step_index += 1
                # The next step is timed from when this one was due, not when it was applied,
                # so a fast clock catches up in one tick instead of one step per tick.
                due = (
                    due + int(plan[step_index].delay_s / self.speed * 1e6)
                    if step_index < len(plan)
                    else None
                )
            db.execute(
                "UPDATE tickets SET next_step = ?, next_due_us = ? WHERE number = ?",
                (step_index, due, ticket["number"]),
            )
        return written

    def _write_update(
        self, db: sqlite3.Connection, service_request_id: str, step: Step, stamp: int
    ) -> str:
        # As for tickets: the id derives from the row number; the placeholder never commits.
        number = db.execute(
            "INSERT INTO updates (update_id, service_request_id, status, external_status_code,"
            " description, updated_us) VALUES (?, ?, ?, ?, ?, ?)",
            (
                f"pending-{stamp}",
                service_request_id,
                step.status,
                step.external_status_code,
                step.note,
                stamp,
            ),
        ).lastrowid
        # Zero-padded so that ordering update ids as text agrees with their creation order.
        update_id = f"UPD-{number:08d}"
        db.execute("UPDATE updates SET update_id = ? WHERE number = ?", (update_id, number))
        db.execute(
            "UPDATE tickets SET status = ?, external_status_code = ?, status_note = ?,"
            " updated_us = ? WHERE service_request_id = ?",
            (step.status, step.external_status_code, step.note, stamp, service_request_id),
        )
        return update_id

    def force_status(
        self, service_request_id: str, external_status_code: str, note: str, status: str | None
    ) -> dict[str, Any] | None:
        """Write an update now and stop the ticket's own progression (None if no ticket)."""
        step = Step(
            0.0, external_status_code, status or MYSOCIETY_STATUS[external_status_code], note
        )
        with self._lock, self.store.write() as db:
            found = db.execute(
                "SELECT 1 FROM tickets WHERE service_request_id = ?", (service_request_id,)
            ).fetchone()
            if not found:
                return None
            stamp = self._stamp(now_us())
            update_id = self._write_update(db, service_request_id, step, stamp)
            db.execute(
                "UPDATE tickets SET next_due_us = NULL WHERE service_request_id = ?",
                (service_request_id,),
            )
        return {
            "update_id": update_id,
            "service_request_id": service_request_id,
            "status": step.status,
            "external_status_code": step.external_status_code,
            "description": note,
            "updated_datetime": from_us(stamp),
        }

    def post_update(
        self, service_request_id: str, update_id: str, updated_us: int, status: str,
        description: str,
    ) -> tuple[dict[str, Any], bool] | None:
        """Keep a client's update on a ticket, once per update_id (None: no such ticket).

        Returns the update as kept and whether this POST made it: a repeat of an update_id
        (a retry after a lost answer) changes nothing and answers the first one again. Kept
        apart from the CRM's own updates: GET servicerequestupdates never lists them.
        """
        with self._lock, self.store.write() as db:
            found = db.execute(
                "SELECT 1 FROM tickets WHERE service_request_id = ? AND visible_us <= ?",
                (service_request_id, now_us()),
            ).fetchone()
            if not found:
                return None
            existing = db.execute(
                "SELECT * FROM client_updates WHERE update_id = ?", (update_id,)
            ).fetchone()
            if existing is not None:
                db.execute("UPDATE client_updates SET post_count = post_count + 1"
                           " WHERE number = ?", (existing["number"],))
                return self._as_client_update(existing), False
            db.execute(
                "INSERT INTO client_updates (update_id, service_request_id, status,"
                " description, updated_us, received_us) VALUES (?, ?, ?, ?, ?, ?)",
                (update_id, service_request_id, status, description, updated_us, now_us()),
            )
            row = db.execute(
                "SELECT * FROM client_updates WHERE update_id = ?", (update_id,)
            ).fetchone()
            return self._as_client_update(row), True

    def client_updates(self, service_request_id: str) -> list[dict[str, Any]] | None:
        """The updates clients posted on a ticket, oldest first (None: no such ticket)."""
        with self.store.connect() as db:
            if not db.execute("SELECT 1 FROM tickets WHERE service_request_id = ?",
                              (service_request_id,)).fetchone():
                return None
            rows = db.execute(
                "SELECT * FROM client_updates WHERE service_request_id = ? ORDER BY number",
                (service_request_id,),
            ).fetchall()
        return [self._as_client_update(row) | {"post_count": row["post_count"]}
                for row in rows]

    @staticmethod
    def _as_client_update(row: sqlite3.Row) -> dict[str, Any]:
        return {
            "update_id": row["update_id"],
            "service_request_id": row["service_request_id"],
            "status": row["status"],
            "updated_datetime": from_us(row["updated_us"]).astimezone(WIB),
            "description": row["description"],
            "media_url": None,
            "external_status_code": None,
        }

    def delete_ticket(self, service_request_id: str) -> bool:
        """Forget a ticket and its updates, as if the CRM lost it."""
        with self._lock, self.store.write() as db:
            db.execute("DELETE FROM updates WHERE service_request_id = ?", (service_request_id,))
            db.execute("DELETE FROM client_updates WHERE service_request_id = ?",
                       (service_request_id,))
            deleted = db.execute(
                "DELETE FROM tickets WHERE service_request_id = ?", (service_request_id,)
            ).rowcount
        return deleted > 0

    def pause(self) -> None:
        """Stop progression; due steps wait until resume."""
        with self._lock:
            if self._paused_at_us is None:
                self._paused_at_us = now_us()

    def resume(self) -> None:
        """Restart progression, shifting what was due by the pause so nothing bunches up."""
        with self._lock:
            if self._paused_at_us is None:
                return
            shift = now_us() - self._paused_at_us
            with self.store.write() as db:
                db.execute(
                    "UPDATE tickets SET next_due_us = next_due_us + ?"
                    " WHERE next_due_us IS NOT NULL",
                    (shift,),
                )
                db.execute(
                    "UPDATE tickets SET visible_us = visible_us + ? WHERE visible_us > ?",
                    (shift, self._paused_at_us),
                )
            self._paused_at_us = None

    @property
    def paused(self) -> bool:
        """Whether progression is paused."""
        return self._paused_at_us is not None

    # --- the background ticker -------------------------------------------------------------

    def start_ticker(self, interval_s: float = 0.05) -> None:
        """Advance tickets from a daemon thread, so updates happen even when nobody reads."""
        if self._ticker is not None:
            return
        self._stop.clear()
        self._ticker = threading.Thread(
            target=self._tick_forever, args=(interval_s,), name="crmsim-ticker", daemon=True
        )
        self._ticker.start()

    def stop_ticker(self) -> None:
        """Stop the background thread (used by tests of the factory)."""
        if self._ticker is not None:
            self._stop.set()
            self._ticker.join()
            self._ticker = None

    def _tick_forever(self, interval_s: float) -> None:
        while not self._stop.wait(interval_s):
            try:
                self.advance()
            except Exception:  # a bad tick must not kill progression for good
                log.exception("crmsim: progression tick failed")

    # --- reading ---------------------------------------------------------------------------

    def requests(
        self,
        *,
        ids: list[str] | None = None,
        service_codes: list[str] | None = None,
        start_us: int | None = None,
        end_us: int | None = None,
        statuses: list[str] | None = None,
        limit: int = 1000,
    ) -> list[dict[str, Any]]:
        """Tickets as Open311 service requests, filtered as GET requests allows."""
        self.advance()
        where, params = ["visible_us <= ?"], [now_us()]
        if ids is not None:
            # As the spec says, a list of ids overrides every other filter.
            where.append(f"service_request_id IN ({','.join('?' * len(ids))})")
            params += ids
        else:
            if service_codes:
                where.append(f"service_code IN ({','.join('?' * len(service_codes))})")
                params += service_codes
            if start_us is not None:
                where.append("created_us >= ?")
                params.append(start_us)
            if end_us is not None:
                where.append("created_us <= ?")
                params.append(end_us)
        with self._lock, self.store.connect() as db:
            rows = db.execute(
                f"SELECT * FROM tickets WHERE {' AND '.join(where)} ORDER BY number",
                params,
            ).fetchall()
        found = [self._as_request(row) for row in rows]
        if statuses:
            found = [r for r in found if r["status"] in statuses]
        return found[:limit]

    def _as_request(self, row: sqlite3.Row) -> dict[str, Any]:
        service = self.services.get(row["service_code"])
        created = from_us(row["created_us"]).astimezone(WIB)
        code = row["external_status_code"] or "MENUNGGU"
        return {
            "service_request_id": row["service_request_id"],
            "status": "closed" if code in CLOSED_CODES else "open",
            # The CRM's own code leads status_notes: Open311's open/closed says too little.
            "status_notes": f"{code}: {row['status_note']}" if row["status_note"] else code,
            "service_name": service.service_name if service else None,
            "service_code": row["service_code"],
            "description": row["description"],
            "agency_responsible": service.agency if service else None,
            "service_notice": SERVICE_NOTICE,
            "requested_datetime": created,
            "updated_datetime": from_us(row["updated_us"] or row["created_us"]).astimezone(WIB),
            "expected_datetime": created + timedelta(days=service.sla_days) if service else None,
            "address": row["address_string"],
            "address_id": row["address_id"],
            "zipcode": None,
            "lat": row["lat"],
            "long": row["long"],
            "media_url": row["media_url"],
        }

    def updates(self, start_us: int | None, end_us: int | None) -> list[dict[str, Any]]:
        """Updates with start ≤ updated_datetime ≤ end, by time then update_id."""
        self.advance()
        with self._lock, self.store.connect() as db:
            rows = db.execute(
                "SELECT * FROM updates WHERE updated_us >= ? AND updated_us <= ?"
                " ORDER BY updated_us, number",
                (start_us if start_us is not None else 0, end_us if end_us is not None else 2**62),
            ).fetchall()
        return [
            {
                "update_id": row["update_id"],
                "service_request_id": row["service_request_id"],
                "status": row["status"],
                "updated_datetime": from_us(row["updated_us"]).astimezone(WIB),
                "description": row["description"],
                "media_url": None,
                "external_status_code": row["external_status_code"],
            }
            for row in rows
        ]

    def token(self, token: str) -> str | None:
        """The ticket id behind a token once the ticket exists, else None."""
        self.advance()
        with self.store.connect() as db:
            row = db.execute(
                "SELECT service_request_id FROM tickets WHERE token = ? AND visible_us <= ?",
                (token, now_us()),
            ).fetchone()
        return row["service_request_id"] if row else None

    def tickets(self) -> list[dict[str, Any]]:
        """Every ticket with its ref and POST count, for tests and the demo."""
        self.advance()
        with self.store.connect() as db:
            rows = db.execute(
                "SELECT t.*, (SELECT COUNT(*) FROM updates u"
                " WHERE u.service_request_id = t.service_request_id) AS update_count,"
                " (SELECT COUNT(*) FROM client_updates c"
                " WHERE c.service_request_id = t.service_request_id) AS client_update_count"
                " FROM tickets t ORDER BY number"
            ).fetchall()
        overview = []
        for row in rows:
            service = self.services.get(row["service_code"])
            code = row["external_status_code"]
            overview.append(
                {
                    "service_request_id": row["service_request_id"],
                    "token": row["token"],
                    "gateway_ref": row["gateway_ref"],
                    "post_count": row["post_count"],
                    "service_code": row["service_code"],
                    "status": None
                    if code is None
                    else ("closed" if code in CLOSED_CODES else "open"),
                    "last_update_status": row["status"],
                    "external_status_code": code,
                    "agency": service.agency if service else None,
                    "attributes": json.loads(row["attributes"]),
                    "update_count": row["update_count"],
                    "client_update_count": row["client_update_count"],
                    "created_at": from_us(row["created_us"]).isoformat(),
                    "updated_at": from_us(row["updated_us"]).isoformat()
                    if row["updated_us"]
                    else None,
                    "next_due_at": from_us(row["next_due_us"]).isoformat()
                    if row["next_due_us"] is not None
                    else None,
                }
            )
        return overview
