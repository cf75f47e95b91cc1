"""Structured logs: one line a record, with a request or run id, and nothing secret.

`configure_logging(settings, process="web"|"worker")` installs one handler on the root logger.
It writes one JSON object a line for machines, or one readable line for a person at a
terminal: `JEMBATAN_LOG_JSON` unset chooses by whether stderr is a terminal, `1` or `0` forces
either (docs/OPERATIONS.md#logs). Both carry the same fields and the same redaction: the
readable line is the message followed by the record's fields as `name=value`.
Every record, from our code or a library, is built by a record factory that adds the current
context (`request_id` in the web process; whatever the worker binds with `log_context`) and
redacts what must never reach a log: API keys, webhook secrets, Authorization values, `api_key`
parameters, the secrets of private status links, configured secrets, NIKs, phone numbers and
e-mail addresses. The application does not log personal data in the first place; the
redaction is the second line of defence.
"""

from __future__ import annotations

import contextvars
import logging
import re
import sys
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import IO, Any

REDACTED = "[REDACTED]"

_DIGIT_RUN = re.compile(r"\d{3}")

# (cheap test that the pattern could match, pattern, replacement): most lines skip most regexes.
_PATTERNS: tuple[tuple[Any, re.Pattern[str], str], ...] = (
    (lambda t, _l: "jbt_" in t, re.compile(r"jbt_[A-Za-z0-9]+_[A-Za-z0-9_\-]+"),
     f"jbt_{REDACTED}"),
    (lambda t, _l: "whsec_" in t, re.compile(r"whsec_[A-Za-z0-9+/=_\-]+"), f"whsec_{REDACTED}"),
    (lambda _t, lower: "bearer" in lower or "basic" in lower,
     re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=\-]+"), rf"\1 {REDACTED}"),
    (lambda _t, lower: "authorization" in lower,
     re.compile(r"(?i)(authorization['\"]?\s*[:=,]\s*['\"]?)[^'\"\n,}]+"), rf"\1{REDACTED}"),
    # The secret half of a private status link (/lacak/<tracking code>/<secret>), wherever
    # a path or URL is logged: request lines of gunicorn and the development server, errors.
    (lambda t, _l: "/lacak/" in t,
     re.compile(r"(/lacak/[^/\s?#\"',]+/)[^/\s?#\"',]+"), rf"\1{REDACTED}"),
    (lambda t, _l: "=" in t,
     re.compile(r"(?i)\b((?:api_key|apikey|access_token|token|secret|password)=)[^&\s'\"]+"),
     rf"\1{REDACTED}"),
    (lambda t, _l: "@" in t,
     re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}"), REDACTED),
    # NIK: 16 digits, not part of a longer number.
    (lambda t, _l: _DIGIT_RUN.search(t) is not None,
     re.compile(r"(?<![\d])\d{16}(?![\d])"), REDACTED),
    # Indonesian phone numbers: +62 / 62 / 0, then 8–13 more digits, maybe grouped.
    (lambda t, _l: _DIGIT_RUN.search(t) is not None,
     re.compile(
         r"(?<![\w+.:/-])(?:\+62|62|0)[\s.\-]?[1-9]\d{1,3}[\s.\-]?\d{3,4}[\s.\-]?\d{2,5}(?![\d])"
     ),
     REDACTED),
)

_literal_secrets: tuple[str, ...] = ()

# Terminal colours (werkzeug adds them to its lines whatever the output): no use in a file.
_ANSI = re.compile(r"\x1b\[[0-9;]*m")

# Standard LogRecord attributes: everything else on a record came in through `extra`.
_STANDARD_ATTRS = frozenset(
    logging.LogRecord("", 0, "", 0, "", (), None).__dict__
) | {"message", "asctime", "request_id", "process_kind"}

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "jembatan_request_id", default=None
)
_context: contextvars.ContextVar[dict[str, Any]] = contextvars.ContextVar(
    "jembatan_log_context", default={}  # noqa: B039 - never mutated, only replaced
)
_process_kind = "web"

_REQUEST_ID_OK = re.compile(r"^[A-Za-z0-9._:\-]{8,128}$")


def redact(text: str) -> str:
    """`text` without keys, secrets or personal data."""
    for secret in _literal_secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    lower = text.lower()
    for could_match, pattern, replacement in _PATTERNS:
        if could_match(text, lower):
            text = pattern.sub(replacement, text)
    return text


def _redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: _redact_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_redact_value(v) for v in value)
    return value


def _scrub(record: logging.LogRecord) -> logging.LogRecord:
    # `extra` fields are set after the record factory ran: the handler filter gets them.
    for name, value in list(record.__dict__.items()):
        if name not in _STANDARD_ATTRS and not name.startswith("_"):
            record.__dict__[name] = _redact_value(value)
    if getattr(record, "_jembatan_scrubbed", False):
        return record
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a bad format string is logging's problem to report
        message = str(record.msg)
    record.msg = redact(_ANSI.sub("", message) if "\x1b" in message else message)
    record.args = None
    if record.exc_info:
        text = logging.Formatter().formatException(record.exc_info)
        record.exc_text = redact(text)
        record.exc_info = None
    elif record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    record._jembatan_scrubbed = True
    return record


def _add_context(record: logging.LogRecord) -> None:
    record.process_kind = _process_kind
    request_id = _request_id.get()
    if request_id is not None and not hasattr(record, "request_id"):
        record.request_id = request_id
    for name, value in _context.get().items():
        if not hasattr(record, name):
            setattr(record, name, value)


_base_factory = logging.getLogRecordFactory()


def _record_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
    record = _base_factory(*args, **kwargs)
    _add_context(record)
    return _scrub(record)


class RedactingFilter(logging.Filter):
    """Handler filter: the same scrubbing, for records made before configuration."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "process_kind"):
            _add_context(record)
        _scrub(record)
        return True


class _PlainFormatter(logging.Formatter):
    """One readable line: time, level, logger, message, then every other field as name=value
    (the fields the JSON line carries, in the same redacted form)."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s",
                         datefmt="%Y-%m-%d %H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = {
            name: value for name, value in record.__dict__.items()
            if name not in _STANDARD_ATTRS and not name.startswith("_") and name != "context"
        }
        for name in ("request_id", "process_kind"):
            if name in record.__dict__:
                fields[name] = record.__dict__[name]
        extras = " ".join(f"{name}={_plain(value)}" for name, value in fields.items())
        if not extras:
            return line
        first, newline, rest = line.partition("\n")  # a traceback stays below its line
        return f"{first}  {extras}{newline}{rest}"


def _plain(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    return repr(text) if not text or any(c.isspace() for c in text) else text


def wants_json(setting: bool | None, stream: IO[str]) -> bool:
    """JSON when configured so, else when `stream` is not a terminal (a file, a pipe, a log
    collector); a readable line for a person watching."""
    if setting is not None:
        return bool(setting)
    isatty = getattr(stream, "isatty", None)
    try:
        return not (isatty is not None and isatty())
    except ValueError:  # a closed stream
        return True


def configure_logging(
    settings: Any, process: str = "web", stream: IO[str] | None = None
) -> logging.Handler:
    """Install the root handler (JSON or readable lines, see `wants_json`) with context and
    redaction."""
    global _process_kind, _literal_secrets
    _process_kind = process
    _literal_secrets = tuple(_secrets_of(settings))
    logging.setLogRecordFactory(_record_factory)

    handler = logging.StreamHandler(stream) if stream is not None else _StderrHandler()
    handler._jembatan = True  # type: ignore[attr-defined]
    if wants_json(getattr(settings, "LOG_JSON", None), handler.stream):
        from pythonjsonlogger.json import JsonFormatter

        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s",
                rename_fields={"levelname": "level", "name": "logger", "asctime": "time"},
                datefmt="%Y-%m-%dT%H:%M:%S%z",
            )
        )
    else:
        handler.setFormatter(_PlainFormatter())
    handler.addFilter(RedactingFilter())

    root = logging.getLogger()
    for existing in list(root.handlers):
        if getattr(existing, "_jembatan", False):
            root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(getattr(settings, "LOG_LEVEL", "INFO").upper())
    # SQL statements carry bound parameters (secrets, personal data): never at DEBUG by
    # accident. `echo=True` on an engine still shows them to whoever asks on purpose.
    logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    return handler


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stderr` is at the time (test runners swap it)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self) -> IO[str]:
        return sys.stderr

    @stream.setter
    def stream(self, _value: IO[str]) -> None:
        pass


def _secrets_of(settings: Any) -> Iterable[str]:
    for name in ("SECRET_KEY", "CRM_API_KEY"):
        value = getattr(settings, name, None)
        if value and len(value) >= 8:
            yield value
    for key in (getattr(settings, "DATA_KEYS", None) or "").split(","):
        if len(key.strip()) >= 8:
            yield key.strip()


# --- context ---------------------------------------------------------------------------


@contextmanager
def log_context(**fields: Any) -> Iterator[dict[str, Any]]:
    """Add fields (e.g. `run_id`, `job`) to every log line inside the block."""
    merged = {**_context.get(), **fields}
    token = _context.set(merged)
    try:
        yield merged
    finally:
        _context.reset(token)


def new_run_id() -> str:
    """An id for one worker job run, to put in `log_context(run_id=…)`."""
    return uuid.uuid4().hex[:16]


def request_id_from(header: str | None) -> str:
    """The client's `X-Request-ID` when it is sane, else a fresh one."""
    if header and _REQUEST_ID_OK.match(header):
        return header
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    return _request_id.get()


class RequestIdMiddleware:
    """WSGI middleware: bind the request id for everything logged while serving a request.

    It is set, not reset, on purpose: the development server writes its access line after
    the application returned, in the same thread, and that line must carry the id too. The
    next request on the thread replaces it.
    """

    def __init__(self, wsgi_app: Any) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request_id = request_id_from(environ.get("HTTP_X_REQUEST_ID"))
        environ["jembatan.request_id"] = request_id
        _request_id.set(request_id)

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            headers = [(k, v) for k, v in headers if k.lower() != "x-request-id"]
            headers.append(("X-Request-ID", request_id))
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, start)


def install_request_ids(app: Any) -> None:
    """Give every request of `app` a request id, logged and echoed in `X-Request-ID`."""
    app.wsgi_app = RequestIdMiddleware(app.wsgi_app)
