"""Reporter data at rest: never in clear text in the database; keys rotate without downtime."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select, text

from app import crypto
from app.cli import main
from app.config import DEMO_DATA_KEY, Settings
from app.crypto import EncryptedText, Keyring, KeyringError, generate_key
from app.models import Complaint, IdempotencyRecord
from tests.support.complaints import cli_env, store_complaint

REPORTER = {"name": "Siti Aminah", "phone": "081234567890", "email": "siti@example.org",
            "nik": "3171010101900001"}
ADDRESS = "Jl. Kali Pasir No. 3"
PLAINTEXTS = [*REPORTER.values(), ADDRESS]


@pytest.fixture(autouse=True)
def _demo_keyring() -> Iterator[None]:
    yield
    crypto.configure(Settings(ENV="test", DATA_KEYS=DEMO_DATA_KEY))


def _raw_rows(db) -> list[tuple]:
    with db.engine.connect() as connection:
        return connection.execute(text(
            "SELECT reporter_name, reporter_phone, reporter_email, reporter_nik, address "
            "FROM complaints")).all()


def test_database_holds_no_reporter_value_in_clear_text(app, db, keys) -> None:
    stored = store_complaint(app, "PSI")
    rows = _raw_rows(db)
    assert len(rows) == 1
    for value in rows[0]:
        assert value.startswith("f1:")
        assert not any(plain in value for plain in PLAINTEXTS)
    with db.engine.connect() as connection:
        dump = " ".join(str(v) for row in connection.execute(
            text("SELECT * FROM complaints")).all() for v in row)
    assert not any(plain in dump for plain in PLAINTEXTS)
    with db.session() as session:
        complaint = session.get(Complaint, stored.id)
        assert (complaint.reporter_name, complaint.reporter_nik, complaint.address) == (
            "Siti Aminah", "3171010101900001", ADDRESS)


def test_idempotent_replay_still_compares_plaintext(app, db, keys) -> None:
    from app.intake import DuplicateConflict

    first = store_complaint(app, "PSI")
    again = store_complaint(app, "PSI")  # same content, fresh ciphertext on disk
    assert again.id == first.id
    with pytest.raises(DuplicateConflict):
        store_complaint(app, "PSI", reporter={**REPORTER, "phone": "081200000000"})


def test_idempotency_response_bodies_are_encrypted(db, keys, app) -> None:
    from app.clock import utcnow

    body = '{"reporter": {"nik": "3171010101900001"}}'
    with db.transaction() as session:
        session.add(IdempotencyRecord(scope="faction:1", key="k", method="POST",
                                      path="/api/v1/complaints", request_hash="h",
                                      response_body=body, expires_at=utcnow()))
    with db.engine.connect() as connection:
        raw = connection.execute(text("SELECT response_body FROM idempotency_records")).scalar()
    assert "3171010101900001" not in raw
    with db.session() as session:
        assert session.scalars(select(IdempotencyRecord.response_body)).one() == body


def test_key_rotation_without_downtime(app, db, keys, database_url) -> None:
    old_key = DEMO_DATA_KEY
    new_key = generate_key()
    before = store_complaint(app, "PSI", external_id="BEFORE")

    # 1. Deploy the new key first: old rows still read, new rows use the new key.
    crypto.configure(Settings(ENV="test", DATA_KEYS=f"{new_key},{old_key}"))
    with db.session() as session:
        assert session.get(Complaint, before.id).reporter_email == "siti@example.org"
    after = store_complaint(app, "PSI", external_id="AFTER")
    ring_new_only = Keyring([new_key])
    with db.engine.connect() as connection:
        by_external = dict(connection.execute(
            text("SELECT external_id, reporter_nik FROM complaints")).all())
    assert ring_new_only.is_current(by_external["AFTER"])
    assert not ring_new_only.is_current(by_external["BEFORE"])

    # 2. Re-encrypt what is stored, in batches (rerunnable: the second run has nothing to do).
    runner = CliRunner()
    env = {**cli_env(database_url), "JEMBATAN_DATA_KEYS": f"{new_key},{old_key}"}
    result = runner.invoke(main, ["keys", "rotate-data", "--batch-size", "1"], env=env)
    assert result.exit_code == 0, result.output
    # Five reporter fields and the status link's secret.
    assert "re-encrypted 1 rows (6 values); 1 rows were already current" in result.output
    rerun = runner.invoke(main, ["reporter", "reencrypt"], env=env)
    assert "re-encrypted 0 rows" in rerun.output

    # 3. Drop the old key: everything still reads.
    crypto.configure(Settings(ENV="test", DATA_KEYS=new_key))
    with db.session() as session:
        for complaint_id in (before.id, after.id):
            assert session.get(Complaint, complaint_id).reporter_nik == "3171010101900001"
    # …and the old key alone no longer reads anything.
    crypto.configure(Settings(ENV="test", DATA_KEYS=old_key))
    with db.session() as session, pytest.raises(KeyringError):
        session.scalars(select(Complaint.reporter_nik)).all()


def test_columns_statistics_need_stay_in_clear(app, db, keys) -> None:
    store_complaint(app, "PSI")
    with db.engine.connect() as connection:
        title, kelurahan, category = connection.execute(
            text("SELECT title, kelurahan_code, category FROM complaints")).one()
    assert (title, kelurahan, category) == (
        "Sampah menumpuk di pinggir kali", "31.71.01.1001", "sampah")


def test_bad_keys_are_refused_at_configuration() -> None:
    for value in ("", "not-a-key", "ZGVtbw==", f"{generate_key()},short"):
        with pytest.raises(KeyringError):
            Keyring.from_setting(value)
    Keyring.from_setting(DEMO_DATA_KEY)  # the demo default is a valid Fernet key


@given(st.text(max_size=300))
def test_encrypted_text_round_trips_any_text(value: str) -> None:
    column = EncryptedText()
    ring = Keyring([generate_key(), DEMO_DATA_KEY])
    crypto._keyring = ring
    stored = column.process_bind_param(value, None)
    assert stored is not None and stored.startswith("f1:")
    assert column.process_result_value(stored, None) == value
    assert column.process_bind_param(None, None) is None


def test_malformed_data_keys_fail_at_boot() -> None:
    from app.config import ConfigError

    with pytest.raises(ConfigError, match="Fernet keys"):
        Settings.from_env(environ={"JEMBATAN_DATA_KEYS": "not-a-fernet-key"}, ENV="test")
    runner = CliRunner()
    result = runner.invoke(main, ["factions", "list"],
                           env={"JEMBATAN_ENV": "test", "JEMBATAN_DATA_KEYS": "nope"})
    assert result.exit_code == 1 and "Fernet keys" in result.output


def test_an_unconfigured_keyring_is_an_error_not_a_read_of_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Settings are arguments: the keyring comes from configure(settings), never os.environ."""
    monkeypatch.setenv("JEMBATAN_DATA_KEYS", generate_key())
    monkeypatch.setattr(crypto, "_keyring", None)
    with pytest.raises(KeyringError, match="configure"):
        crypto.keyring()
    configured = crypto.configure(Settings(ENV="test", DATA_KEYS=DEMO_DATA_KEY))
    assert crypto.keyring() is configured


def test_the_worker_context_configures_the_keyring(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sync.worker import build_context

    monkeypatch.setattr(crypto, "_keyring", None)
    context = build_context(settings, worker_id="w-keys")
    try:
        assert crypto.keyring().decrypt(crypto.keyring().encrypt("x")) == "x"
    finally:
        context.db.dispose()
