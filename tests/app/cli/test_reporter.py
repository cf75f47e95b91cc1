"""`jembatan reporter`: reporters' personal data."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import select

from app.cli import main
from app.models import AuditEntry
from tests.support.complaints import cli_env


def test_reencrypt_is_a_deprecated_alias_of_keys_rotate_data(database_url, db, keys) -> None:
    runner = CliRunner()
    alias = runner.invoke(main, ["reporter", "reencrypt", "--batch-size", "10"],
                          env=cli_env(database_url))
    assert alias.exit_code == 0, alias.output
    # One line on stderr names the command to use; stdout is what `keys rotate-data` prints.
    (warning,) = alias.stderr.splitlines()
    assert "deprecated" in warning and "keys rotate-data" in warning
    current = runner.invoke(main, ["keys", "rotate-data"], env=cli_env(database_url))
    assert alias.stdout == current.stdout and current.stderr == ""
    assert alias.stdout.startswith("re-encrypted ")
    with db.session() as session:
        actions = session.scalars(select(AuditEntry.action)).all()
    assert actions == ["data_keys.rotate", "data_keys.rotate"]
