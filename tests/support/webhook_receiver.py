"""The shared test receiver (tests.support.webhooks), recording a little more for these tests.

On top of the Standard Webhooks verification it inherits, it keeps each delivery's
signatures and which of its secrets verified it (to test rotation), drops repeats of a
`webhook-id` the way a receiver must, and notes any status event whose `seq` is not above the
last one seen for its complaint.

    with RecordingReceiver(secrets=["whsec_…"]) as receiver:
        receiver.set_mode("500")   # "ok", "500", "410", "down" (connections refused)
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from tests.support.webhooks import WebhookReceiver, verify_standard_webhook

_MODES = {"ok": "ok", "500": "error", "410": "gone"}


@dataclass
class Received:
    webhook_id: str
    timestamp: int
    signatures: list[str]
    body: dict[str, Any]
    verified_with: list[int]  # indexes of the receiver's secrets that verified it


@dataclass
class RecordingReceiver(WebhookReceiver):
    received: list[Received] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    _last_seq: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.start()

    def __enter__(self) -> RecordingReceiver:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def set_mode(self, mode: str) -> None:
        """ok | 500 | 410 | down."""
        if mode == "down":
            self.stop()
            return
        if self._server is None:
            self.start()
        self.mode = _MODES[mode]

    def _receive(self, headers: dict[str, str], body: bytes) -> int:
        status = super()._receive(headers, body)
        if status != 204:
            return status
        with self._lock:
            webhook_id = headers["webhook-id"]
            if any(r.webhook_id == webhook_id for r in self.received):
                return status  # a retry of something already processed
            document = json.loads(body)
            data = document["data"]
            if document["type"] == "complaint.status_changed":
                last = self._last_seq.get(data["id"], 0)
                if data["seq"] <= last:
                    self.errors.append(f"{data['id']}: seq {data['seq']} after {last}")
                self._last_seq[data["id"]] = data["seq"]
            self.received.append(
                Received(
                    webhook_id,
                    int(headers["webhook-timestamp"]),
                    headers["webhook-signature"].split(" "),
                    document,
                    [i for i, s in enumerate(self.secrets)
                     if verify_standard_webhook([s], headers, body)],
                )
            )
        return status

    def events(self, complaint_id: str | None = None, kind: str | None = None) -> list[dict]:
        """Received bodies' data (optionally of one complaint / type), in arrival order."""
        with self._lock:
            return [
                r.body["data"]
                for r in self.received
                if (complaint_id is None or r.body["data"]["id"] == complaint_id)
                and (kind is None or r.body["type"] == kind)
            ]
