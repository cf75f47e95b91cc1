"""A webhook receiver for tests: a real HTTP server on 127.0.0.1 that checks every delivery
the way a careful faction system would, from the Standard Webhooks specification."""

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

TOLERANCE_S = 300


def verify_standard_webhook(
    secrets: list[str], headers: dict[str, str], body: bytes, now: float | None = None
) -> bool:
    """True if one `v1,` signature matches one secret and the timestamp is fresh."""
    msg_id = headers.get("webhook-id")
    timestamp = headers.get("webhook-timestamp")
    signatures = headers.get("webhook-signature")
    if not (msg_id and timestamp and signatures):
        return False
    try:
        sent = int(timestamp)
    except ValueError:
        return False
    if abs((now or time.time()) - sent) > TOLERANCE_S:
        return False
    signed = f"{msg_id}.{timestamp}.".encode() + body
    for secret in secrets:
        key = base64.b64decode(secret.removeprefix("whsec_"))
        expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
        for candidate in signatures.split(" "):
            version, _, value = candidate.partition(",")
            if version == "v1" and hmac.compare_digest(value, expected):
                return True
    return False


@dataclass
class Delivery:
    webhook_id: str
    body: dict[str, Any]
    received_at: float


@dataclass
class WebhookReceiver:
    """Records verified deliveries; `mode` is "ok", "error" (answers 500) or "gone" (410)."""

    secrets: list[str] = field(default_factory=list)
    mode: str = "ok"
    port: int = 0
    deliveries: list[Delivery] = field(default_factory=list)
    rejected: int = 0
    attempts: int = 0
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/jembatan"

    def start(self) -> WebhookReceiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                status = receiver._receive(headers, body)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                pass

        for attempt in range(50):
            try:
                self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
                break
            except OSError:  # the old socket of this port is still closing
                if attempt == 49:
                    raise
                time.sleep(0.1)
        assert self._server is not None
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Go down: connections are refused until `start()` again (same port)."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def _receive(self, headers: dict[str, str], body: bytes) -> int:
        with self._lock:
            self.attempts += 1
            if self.mode == "error":
                return 500
            if self.mode == "gone":
                return 410
            if not verify_standard_webhook(self.secrets, headers, body):
                self.rejected += 1
                return 401
            self.deliveries.append(Delivery(headers["webhook-id"], json.loads(body), time.time()))
            return 204

    def unique(self) -> list[Delivery]:
        """Deliveries deduplicated by webhook-id (retries of a delivered message)."""
        seen: set[str] = set()
        result = []
        with self._lock:
            for delivery in self.deliveries:
                if delivery.webhook_id not in seen:
                    seen.add(delivery.webhook_id)
                    result.append(delivery)
        return result

    def out_of_order(self) -> int:
        """Status events that arrived after a later seq of the same complaint."""
        latest: dict[str, int] = {}
        bad = 0
        for delivery in self.unique():
            if delivery.body.get("type") != "complaint.status_changed":
                continue
            data = delivery.body["data"]
            if data["seq"] < latest.get(data["id"], 0):
                bad += 1
            latest[data["id"]] = max(latest.get(data["id"], 0), data["seq"])
        return bad
