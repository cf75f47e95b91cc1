"""Logs for people and for machines: a readable line on a terminal, JSON elsewhere, with the
same fields and the same redaction (docs/OPERATIONS.md#logs)."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from dataclasses import replace

import pytest

from app.config import Settings
from app.logging import configure_logging, log_context
from tests.app.test_logging import CANARY_EMAIL, CANARY_FAKE_KEY, CANARY_NIK


@pytest.fixture
def restore_logging() -> Iterator[None]:
    factory, root = logging.getLogRecordFactory(), logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    yield
    logging.setLogRecordFactory(factory)
    root.setLevel(level)
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _log_one(stream: io.StringIO, settings: Settings) -> str:
    configure_logging(settings, "worker", stream=stream)
    with log_context(run_id="run-0001", job="crm.forward"):
        logging.getLogger("sync.forward").warning(
            "forwarded for %s (nik %s) with %s", CANARY_EMAIL, CANARY_NIK, CANARY_FAKE_KEY,
            extra={"ticket": "3100001", "reporter": CANARY_EMAIL},
        )
    (line,) = [line for line in stream.getvalue().splitlines() if "sync.forward" in line]
    return line


@pytest.mark.parametrize("setting", [None, False])
def test_a_terminal_gets_one_readable_line_with_every_field_redacted(
    settings, restore_logging, setting
) -> None:
    line = _log_one(Terminal(), replace(settings, LOG_JSON=setting))
    assert not line.startswith("{")
    head, _, fields = line.partition("  ")
    assert head.split(" ", 3)[2:] == ["WARNING", "sync.forward: forwarded for [REDACTED] (nik "
                                      "[REDACTED]) with jbt_[REDACTED]"]
    named = dict(field.split("=", 1) for field in fields.split())
    named.pop("request_id", None)  # left in this thread by an earlier test's request
    assert named == {"run_id": "run-0001", "job": "crm.forward", "ticket": "3100001",
                     "reporter": "[REDACTED]", "process_kind": "worker"}
    for canary in (CANARY_EMAIL, CANARY_NIK, CANARY_FAKE_KEY):
        assert canary not in line


@pytest.mark.parametrize("setting", [None, True])
def test_a_file_or_pipe_gets_json_with_the_same_fields(settings, restore_logging,
                                                       setting) -> None:
    record = json.loads(_log_one(io.StringIO(), replace(settings, LOG_JSON=setting)))
    assert record["message"] == ("forwarded for [REDACTED] (nik [REDACTED]) with "
                                 "jbt_[REDACTED]")
    assert {k: record[k] for k in ("level", "logger", "run_id", "job", "ticket", "reporter",
                                   "process_kind")} == {
        "level": "WARNING", "logger": "sync.forward", "run_id": "run-0001",
        "job": "crm.forward", "ticket": "3100001", "reporter": "[REDACTED]",
        "process_kind": "worker",
    }


def test_json_on_a_terminal_when_asked_and_no_colour_codes_in_files(settings,
                                                                   restore_logging) -> None:
    line = _log_one(Terminal(), replace(settings, LOG_JSON=True))
    assert json.loads(line)["job"] == "crm.forward"
    buffer = io.StringIO()
    configure_logging(replace(settings, LOG_JSON=None), "web", stream=buffer)
    logging.getLogger("werkzeug").info("\x1b[33mPress CTRL+C to quit\x1b[0m")
    assert '"message": "Press CTRL+C to quit"' in buffer.getvalue()


@pytest.mark.parametrize(("raw", "expected"), [("", None), ("1", True), ("0", False),
                                               ("yes", True), ("off", False)])
def test_the_setting_is_tri_state(raw, expected) -> None:
    environ = {"JEMBATAN_ENV": "test"}
    if raw:
        environ["JEMBATAN_LOG_JSON"] = raw
    assert Settings.from_env(environ).LOG_JSON is expected
