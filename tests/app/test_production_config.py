"""Production refuses what would make it unsafe, with one clear line at boot (issue 13, item 9).

The demo secrets are in the public source, a short secret key can be guessed offline, and a
mistyped JEMBATAN_ENV must not quietly mean something else. `gunicorn wsgi:app` and every
`jembatan` command print the reason, not a traceback. Test and demo setups boot with the demo
secrets but say so in a warning.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from app import create_app, crypto
from app.cli import main
from app.config import DEMO_DATA_KEY, DEMO_SECRET_KEY, ConfigError, Settings
from app.crypto import generate_key
from tests.support.processes import REPO_ROOT

GOOD_SECRET = "x" * 32
GOOD_DATA_KEY = "N2Nf0o3Q1l9-5sbsmrQ5kXB8dYB_kt3l4c4vTQ5Qf0s="


def production(**environ: str) -> dict[str, str]:
    return {"JEMBATAN_ENV": "production", "JEMBATAN_SECRET_KEY": GOOD_SECRET,
            "JEMBATAN_DATA_KEYS": GOOD_DATA_KEY, **environ}


REFUSED = {
    "demo secret key": (production(JEMBATAN_SECRET_KEY=DEMO_SECRET_KEY),
                        "JEMBATAN_SECRET_KEY is the demo secret"),
    "one-character secret key": (production(JEMBATAN_SECRET_KEY="k"),
                                 "JEMBATAN_SECRET_KEY is 1 bytes; production needs 32"),
    "31-byte secret key": (production(JEMBATAN_SECRET_KEY="y" * 31),
                           "JEMBATAN_SECRET_KEY is 31 bytes"),
    "demo data key": (production(JEMBATAN_DATA_KEYS=DEMO_DATA_KEY),
                      "JEMBATAN_DATA_KEYS holds the demo data key"),
    "demo data key kept after a new one": (
        production(JEMBATAN_DATA_KEYS=f"{GOOD_DATA_KEY},{DEMO_DATA_KEY}"),
        "JEMBATAN_DATA_KEYS holds the demo data key"),
    "unknown environment": ({**production(), "JEMBATAN_ENV": "prod"},
                            "JEMBATAN_ENV='prod' is not known; use production, demo or test"),
    "missing secrets": ({"JEMBATAN_ENV": "production"}, "JEMBATAN_SECRET_KEY"),
    # The matcher's policy is built at boot: an impossible one stops it, not every intake.
    "suggest above link": (
        production(JEMBATAN_DEDUP_LINK_AT="0.3", JEMBATAN_DEDUP_SUGGEST_AT="0.5"),
        "JEMBATAN_DEDUP_"),
    "negative radius": (production(JEMBATAN_DEDUP_RADIUS_M="-5"), "JEMBATAN_DEDUP_"),
}


@pytest.mark.parametrize("case", REFUSED)
def test_production_refuses_at_boot(case: str) -> None:
    environ, message = REFUSED[case]
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        Settings.from_env(environ=environ)


def test_production_boots_with_its_own_strong_secrets() -> None:
    settings = Settings.from_env(environ=production(JEMBATAN_DATA_KEYS=generate_key()))
    assert settings.ENV == "production" and settings.demo_secrets_in_use == []
    # 32 bytes counted as bytes: 16 two-byte characters are enough.
    Settings.from_env(environ=production(JEMBATAN_SECRET_KEY="é" * 16))


def _child_env(**environ: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JEMBATAN_")}
    return {**env, "PYTHONPATH": str(REPO_ROOT), **environ}


@pytest.mark.parametrize("case", ["demo secret key", "unknown environment"])
def test_the_wsgi_app_prints_the_reason_not_a_traceback(case: str) -> None:
    environ, message = REFUSED[case]
    result = subprocess.run(
        [sys.executable, "-c", "import wsgi"], cwd=REPO_ROOT, env=_child_env(**environ),
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 4  # gunicorn's "application failed to load": it halts
    assert "Traceback" not in result.stderr
    assert message in result.stderr and "configuration error" in result.stderr


@pytest.mark.parametrize("command", [["serve"], ["worker", "--once"], ["db", "upgrade"],
                                     ["keys", "list"]])
def test_jembatan_commands_print_the_reason_not_a_traceback(command: list[str]) -> None:
    environ, message = REFUSED["one-character secret key"]
    result = CliRunner().invoke(main, command, env=environ)
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert f"Error: {message}" in result.output


def test_test_and_demo_setups_warn_that_they_run_on_demo_secrets(database_url, caplog) -> None:
    for env in ("test", "demo"):
        caplog.clear()
        settings = Settings.from_env(environ={}, ENV=env, DATABASE_URL=database_url,
                                     LOG_JSON=False)
        with caplog.at_level(logging.WARNING, logger="app.config"):
            app = create_app(settings)
        app.extensions["db"].dispose()
        (warning,) = [r for r in caplog.records if r.name == "app.config"]
        assert warning.levelno == logging.WARNING
        assert f"JEMBATAN_ENV={env}" in warning.getMessage()
        assert "JEMBATAN_SECRET_KEY and JEMBATAN_DATA_KEYS" in warning.getMessage()


def test_a_test_setup_with_its_own_secrets_boots_quietly(database_url, caplog) -> None:
    settings = Settings.from_env(environ={}, ENV="test", DATABASE_URL=database_url,
                                 SECRET_KEY=GOOD_SECRET, DATA_KEYS=GOOD_DATA_KEY,
                                 LOG_JSON=False)
    try:
        with caplog.at_level(logging.WARNING, logger="app.config"):
            app = create_app(settings)
        app.extensions["db"].dispose()
        assert not [r for r in caplog.records if r.name == "app.config"]
    finally:  # the process's keyring back to the one the other tests use
        crypto.configure(Settings(ENV="test", DATA_KEYS=DEMO_DATA_KEY))
