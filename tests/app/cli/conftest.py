"""The `jembatan` command run in-process against the test database."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from app.cli import main
from tests.support.complaints import cli_env


@pytest.fixture
def jembatan(database_url):
    runner = CliRunner()

    def run(*args: str, ok: bool = True):
        result = runner.invoke(main, list(args), env=cli_env(database_url))
        if ok:
            assert result.exit_code == 0, result.output
        return result

    return run
