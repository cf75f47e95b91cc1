"""app.accounts: invitations, argon2id passwords, TOTP and throttling, without Flask."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
from hypothesis import given
from hypothesis import strategies as st

from app import accounts
from app.clock import utcnow
from app.factions import find_faction


def _invite(session, email="rina@psi.example.org", role="staf", ttl=timedelta(hours=1), now=None):
    return accounts.add_account(session, find_faction(session, "PSI"), email, role,
                                created_by="test", ttl=ttl, now=now)


def test_an_invitation_sets_an_argon2id_password_once(db, keys) -> None:
    with db.transaction() as session:
        invitation = _invite(session)
        account = accounts.accept_invitation(session, invitation.token, "correct horse battery")
        assert account.password_hash.startswith("$argon2id$")
        assert "correct horse" not in account.password_hash
        assert accounts.check_credentials(session, "RINA@psi.example.org ",
                                          "correct horse battery") is account
        assert accounts.check_credentials(session, "rina@psi.example.org", "wrong password!") \
            is None
        with pytest.raises(accounts.AccountError) as used:
            accounts.accept_invitation(session, invitation.token, "another password")
        assert used.value.code == "used"


def test_an_invitation_expires_and_a_new_one_replaces_the_old(db, keys) -> None:
    with db.transaction() as session:
        start = utcnow()
        first = _invite(session, now=start)
        with pytest.raises(accounts.AccountError) as expired:
            accounts.open_invitation(session, first.token, start + timedelta(hours=1, seconds=1))
        assert expired.value.code == "expired"
        second = accounts.invite(session, first.account, created_by="test",
                                 ttl=timedelta(hours=1))
        with pytest.raises(accounts.AccountError):
            accounts.open_invitation(session, first.token)
        assert accounts.open_invitation(session, second.token).account is first.account


def test_housekeeping_forgets_invitations_a_month_after_they_were_used_or_expired(
    db, keys
) -> None:
    start = utcnow()
    with db.transaction() as session:
        used = _invite(session, "used@psi.example.org", now=start)
        accounts.accept_invitation(session, used.token, "correct horse battery", now=start)
        lapsed = _invite(session, "lapsed@psi.example.org", now=start)
        fresh = _invite(session, "fresh@psi.example.org", ttl=timedelta(days=60), now=start)
    month = start + accounts.INVITATION_KEEP
    with db.transaction() as session:
        # A month to the second: a person clicking the link still learns what happened to it.
        assert accounts.purge_invitations(session, now=month) == 0
        assert accounts.purge_invitations(session, now=month + timedelta(hours=2)) == 2
    with db.transaction() as session:
        for gone in (used, lapsed):
            with pytest.raises(accounts.AccountError) as unknown:
                accounts.open_invitation(session, gone.token, now=month)
            assert unknown.value.code != "used"
        # The one still open is untouched.
        assert accounts.open_invitation(session, fresh.token, now=month).account.email \
            == "fresh@psi.example.org"


def test_an_address_in_use_is_refused_and_a_disabled_account_cannot_sign_in(db, keys) -> None:
    with db.transaction() as session:
        invitation = _invite(session)
        accounts.accept_invitation(session, invitation.token, "correct horse battery")
        with pytest.raises(accounts.AccountError) as taken:
            _invite(session)
        assert taken.value.code == "taken"
        epoch = invitation.account.session_epoch
        accounts.set_active(invitation.account, False)
        assert invitation.account.session_epoch == epoch + 1
        assert accounts.check_credentials(session, "rina@psi.example.org",
                                          "correct horse battery") is None


@given(st.text(max_size=300))
def test_normalise_email_never_crashes(text: str) -> None:
    try:
        value = accounts.normalise_email(text)
    except accounts.AccountError as error:
        assert error.field == "email"
    else:
        assert value == value.strip().lower() and "@" in value


def test_a_totp_code_works_once_and_only_for_its_secret(db, keys) -> None:
    with db.transaction() as session:
        account = _invite(session).account
        secret = accounts.new_totp_secret()
        now = utcnow()
        with pytest.raises(accounts.AccountError):
            accounts.enable_totp(account, secret, "000000" if pyotp.TOTP(secret).at(now)
                                 != "000000" else "111111", now)
        accounts.enable_totp(account, secret, pyotp.TOTP(secret).at(now), now)
        assert account.has_totp
        later = now + timedelta(seconds=30)
        code = pyotp.TOTP(secret).at(later)
        assert accounts.totp_matches(account, code, later)
        assert not accounts.totp_matches(account, code, later)  # replay refused
        assert accounts.totp_uri(secret, account.email).startswith("otpauth://totp/Jembatan")


def test_throttling_counts_failures_per_email_and_per_address(db, keys) -> None:
    throttle = accounts.Throttle(window_s=60, max_per_email=3, max_per_address=5)
    now = utcnow()
    with db.transaction() as session:
        for _ in range(3):
            accounts.record_failure(session, "a@x.org", "10.0.0.1", throttle, now)
        assert accounts.is_throttled(session, "a@x.org", "10.0.0.9", throttle, now)
        assert not accounts.is_throttled(session, "b@x.org", "10.0.0.9", throttle, now)
        for _ in range(2):
            accounts.record_failure(session, "c@x.org", "10.0.0.1", throttle, now)
        assert accounts.is_throttled(session, "d@x.org", "10.0.0.1", throttle, now)
        # The window passes: everyone may try again.
        later = now + timedelta(seconds=61)
        assert not accounts.is_throttled(session, "a@x.org", "10.0.0.1", throttle, later)


def test_the_totp_secret_is_encrypted_at_rest_and_rotated_with_the_data_keys(
    db, keys, database_url
) -> None:
    from click.testing import CliRunner
    from sqlalchemy import text

    from app import crypto
    from app.cli import main
    from app.config import DEMO_DATA_KEY, Settings
    from app.crypto import EncryptedText, Keyring, generate_key
    from app.database import Base
    from app.rotation import ENCRYPTED_COLUMNS
    from tests.support.complaints import cli_env

    secret = accounts.new_totp_secret()
    with db.transaction() as session:
        account = _invite(session).account
        accounts.enable_totp(account, secret, pyotp.TOTP(secret).now())
    with db.engine.connect() as connection:
        (stored,) = connection.execute(text("SELECT totp_secret FROM console_accounts")).one()
    assert secret not in stored
    new_key = generate_key()
    env = {**cli_env(database_url), "JEMBATAN_DATA_KEYS": f"{new_key},{DEMO_DATA_KEY}"}
    try:
        result = CliRunner().invoke(main, ["keys", "rotate-data"], env=env)
        assert result.exit_code == 0, result.output
        with db.engine.connect() as connection:
            (rotated,) = connection.execute(text("SELECT totp_secret FROM console_accounts")).one()
        assert Keyring([new_key]).is_current(rotated)
    finally:
        crypto.configure(Settings(ENV="test", DATA_KEYS=DEMO_DATA_KEY))
    # Every encrypted column of every table is rotated (a new one cannot be forgotten).
    encrypted = {(table.name, c.name) for table in Base.metadata.sorted_tables
                 for c in table.columns if isinstance(c.type, EncryptedText)}
    listed = {(name, c) for name, (_pk, columns) in ENCRYPTED_COLUMNS.items() for c in columns}
    assert encrypted == listed
