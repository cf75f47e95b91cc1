"""A faction's webhook receiver for tests: a real HTTP server on 127.0.0.1.

It verifies every request the way the Standard Webhooks specification tells a receiver to,
written here from the spec and NOT from Jembatan's signer: the signed content is
`{webhook-id}.{webhook-timestamp}.{body}`, HMAC-SHA256 keyed with the base64-decoded part of
the `whsec_` secret after the prefix, base64-encoded, sent as `v1,<sig>`; several signatures
are space-separated, any one matching is enough; timestamps older (or newer) than five
minutes are refused. It dedupes on `webhook-id` and checks that, per complaint, `seq` never
goes backwards.

    with WebhookReceiver(secrets=["whsec_…"]) as receiver:
        receiver.url            # http://127.0.0.1:PORT/hook
        receiver.mode = "500"   # or "ok", "410", "down" (connections refused)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOLERANCE_S = 5 * 60


def verify(secret: str, headers: dict[str, str], body: bytes, now: float | None = None) -> bool:
    """Standard Webhooks v1 verification of one request against one secret."""
    msg_id = headers.get("webhook-id")
    timestamp = headers.get("webhook-timestamp")
    signatures = headers.get("webhook-signature")
    if not msg_id or not timestamp or not signatures:
        return False
    try:
        sent_at = int(timestamp)
    except ValueError:
        return False
    if abs((now or time.time()) - sent_at) > TOLERANCE_S:
        return False
    if not secret.startswith("whsec_"):
        return False
    key = base64.b64decode(secret[len("whsec_") :])
    content = msg_id.encode() + b"." + timestamp.encode() + b"." + body
    expected = base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()
    for candidate in signatures.split(" "):
        version, _, signature = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(signature, expected):
            return True
    return False


@dataclass
class Received:
    webhook_id: str
    timestamp: int
    signatures: list[str]
    body: dict[str, Any]
    verified_with: list[int]  # indexes of the receiver's secrets that verified it


@dataclass
class WebhookReceiver:
    """A threaded HTTP server that checks and records webhooks."""

    secrets: list[str] = field(default_factory=list)
    mode: str = "ok"
    path: str = "/hook"
    received: list[Received] = field(default_factory=list)
    attempts: int = 0
    refused: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: set[str] = set()
        self._last_seq: dict[str, int] = {}
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port = 0
        self._start()

    # --- lifecycle ---------------------------------------------------------------------

    def _start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                status = receiver._handle(self.path, dict(self.headers.items()), body)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def _stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> WebhookReceiver:
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop()

    def set_mode(self, mode: str) -> None:
        """ok | 500 | 410 | down (the port refuses connections)."""
        if mode == "down":
            self._stop()
        elif self._server is None:
            self._start()
        self.mode = mode

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.path}"

    # --- handling ----------------------------------------------------------------------

    def _handle(self, path: str, raw_headers: dict[str, str], body: bytes) -> int:
        headers = {k.lower(): v for k, v in raw_headers.items()}
        with self._lock:
            self.attempts += 1
            if self.mode == "500":
                return 500
            if self.mode == "410":
                return 410
            verified = [i for i, s in enumerate(self.secrets) if verify(s, headers, body)]
            if not verified:
                self.refused.append(headers.get("webhook-id", "?"))
                return 401
            webhook_id = headers["webhook-id"]
            if webhook_id in self._seen:
                return 200  # a retry of something already processed: acknowledge, ignore
            document = json.loads(body)
            data = document["data"]
            if document["type"] == "complaint.status_changed":
                last = self._last_seq.get(data["id"], 0)
                if data["seq"] <= last:
                    self.errors.append(f"{data['id']}: seq {data['seq']} after {last}")
                self._last_seq[data["id"]] = data["seq"]
            self._seen.add(webhook_id)
            self.received.append(
                Received(
                    webhook_id,
                    int(headers["webhook-timestamp"]),
                    headers["webhook-signature"].split(" "),
                    document,
                    verified,
                )
            )
            return 204

    def events(self, complaint_id: str | None = None, kind: str | None = None) -> list[dict]:
        """Received bodies' data (optionally of one complaint / type), in arrival order."""
        with self._lock:
            return [
                r.body["data"]
                for r in self.received
                if (complaint_id is None or r.body["data"]["id"] == complaint_id)
                and (kind is None or r.body["type"] == kind)
            ]
