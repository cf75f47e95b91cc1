"""Console accounts: invitations, passwords, TOTP and sign-in throttling (docs/CONSOLE.md).

No Flask here: the console's views, the `jembatan users` command and the admin API all call
these functions with a session and the settings they need, and commit themselves.

- A person gets an account by invitation: `invite` stores only a hash of a random token and
  returns the token once; the link works once (`accept_invitation`), until it expires.
- Passwords are hashed with argon2id (argon2-cffi's defaults, RFC 9106's second choice);
  a stored hash made with older parameters is rehashed on the next sign-in.
- TOTP (RFC 6238, pyotp): 30-second steps, one step of clock drift either way, and each step
  accepted once, so a code seen over someone's shoulder cannot be replayed.
- Throttling counts failures in the database (every web process sees them) per e-mail
  address and per client address within a window.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.clock import as_utc, utcnow
from app.models import (
    CONSOLE_ROLES,
    ConsoleAccount,
    ConsoleFactionSettings,
    ConsoleInvitation,
    ConsoleLoginFailure,
    Faction,
)

PASSWORD_MIN = 10
PASSWORD_MAX = 256
TOTP_ISSUER = "Jembatan"
INVITATION_PATH = "/posko/undangan/"


class AccountError(ValueError):
    """A request about accounts that cannot be honoured; `field` names the input at fault."""

    def __init__(self, message: str, field: str | None = None, code: str = "invalid") -> None:
        super().__init__(message)
        self.field = field
        self.code = code


@dataclass(frozen=True)
class Invitation:
    """A fresh invitation: the account and the token (shown once, never stored)."""

    account: ConsoleAccount
    token: str
    expires_at: datetime

    def link(self, public_url: str) -> str:
        """The link to hand to the person, under JEMBATAN_PUBLIC_URL."""
        return invitation_link(public_url, self.token)


@dataclass(frozen=True)
class Throttle:
    """The sign-in limits (from JEMBATAN_CONSOLE_LOGIN_*)."""

    window_s: float
    max_per_email: int
    max_per_address: int


def invitation_link(public_url: str, token: str) -> str:
    """`<public URL>/posko/undangan/<token>`: the base is configured, never a request's Host."""
    return f"{public_url.rstrip('/')}{INVITATION_PATH}{token}"


def normalise_email(email: str) -> str:
    """The stored form of an e-mail address (trimmed, lowercase), or AccountError."""
    value = (email or "").strip().lower()
    local, _, domain = value.partition("@")
    if (not local or "." not in domain or len(value) > 254 or any(c.isspace() for c in value)
            or domain.startswith(".") or domain.endswith(".")):
        raise AccountError("Not an e-mail address.", "email")
    return value


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    return PasswordHasher()  # argon2id


def hash_password(password: str) -> str:
    """An argon2id hash of `password` (after checking the length rules)."""
    check_password_rules(password)
    return _hasher().hash(password)


def check_password_rules(password: str) -> None:
    """Long enough to resist guessing, short enough not to burden the hasher."""
    if len(password) < PASSWORD_MIN:
        raise AccountError(f"Use at least {PASSWORD_MIN} characters.", "password")
    if len(password) > PASSWORD_MAX:
        raise AccountError(f"Use at most {PASSWORD_MAX} characters.", "password")


def password_matches(account: ConsoleAccount, password: str) -> bool:
    """Whether `password` is the account's (rehashing an outdated hash on success)."""
    if not account.password_hash or len(password) > PASSWORD_MAX:
        return False
    try:
        _hasher().verify(account.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    if _hasher().check_needs_rehash(account.password_hash):
        account.password_hash = _hasher().hash(password)
    return True


# --- accounts and invitations -----------------------------------------------------------


def find_account(session: Session, email: str) -> ConsoleAccount | None:
    try:
        address = normalise_email(email)
    except AccountError:
        return None
    return session.scalars(select(ConsoleAccount).where(ConsoleAccount.email == address)).first()


def accounts_of(session: Session, faction_id: int) -> list[ConsoleAccount]:
    """The faction's accounts: koordinators first, then by e-mail."""
    return list(session.scalars(
        select(ConsoleAccount)
        .where(ConsoleAccount.faction_id == faction_id)
        .order_by(ConsoleAccount.role.desc(), ConsoleAccount.email)
    ))


def add_account(
    session: Session,
    faction: Faction,
    email: str,
    role: str,
    *,
    created_by: str,
    ttl: timedelta,
    now: datetime | None = None,
) -> Invitation:
    """A new account for `faction` and its invitation (never commits).

    An address already invited but not yet used by the same faction gets a fresh
    invitation (the old link stops working); an address in use is refused.
    """
    if role not in CONSOLE_ROLES:
        raise AccountError(f"Unknown role; use one of: {', '.join(CONSOLE_ROLES)}.", "role")
    address = normalise_email(email)
    account = session.scalars(
        select(ConsoleAccount).where(ConsoleAccount.email == address)
    ).first()
    if account is not None:
        if account.faction_id != faction.id or account.has_password or not account.active:
            raise AccountError("This e-mail address already has an account.", "email",
                               code="taken")
        account.role = role
    else:
        account = ConsoleAccount(faction_id=faction.id, email=address, role=role, active=True,
                                 session_epoch=0)
        account.faction = faction
        session.add(account)
        session.flush()
    return invite(session, account, created_by=created_by, ttl=ttl, now=now)


def invite(
    session: Session,
    account: ConsoleAccount,
    *,
    created_by: str,
    ttl: timedelta,
    now: datetime | None = None,
) -> Invitation:
    """A new invitation for `account` (also how a forgotten password is reset); earlier
    unused invitations of the account stop working. Never commits."""
    now = now or utcnow()
    session.execute(
        delete(ConsoleInvitation).where(
            ConsoleInvitation.account_id == account.id, ConsoleInvitation.used_at.is_(None)
        )
    )
    token = secrets.token_urlsafe(32)
    expires_at = now + ttl
    session.add(ConsoleInvitation(
        account_id=account.id, token_hash=_token_hash(token), created_by=created_by,
        created_at=now, expires_at=expires_at,
    ))
    session.flush()
    return Invitation(account, token, expires_at)


def open_invitation(
    session: Session, token: str, now: datetime | None = None
) -> ConsoleInvitation:
    """The invitation `token` opens, or AccountError saying why not (unknown, used, expired,
    or its account was disabled)."""
    now = now or utcnow()
    if not token or len(token) > 128:
        raise AccountError("This invitation link is not valid.")
    invitation = session.scalars(
        select(ConsoleInvitation).where(ConsoleInvitation.token_hash == _token_hash(token))
    ).first()
    if invitation is None:
        raise AccountError("This invitation link is not valid.")
    if invitation.used_at is not None:
        raise AccountError("This invitation link was already used.", code="used")
    if as_utc(invitation.expires_at) <= now:
        raise AccountError("This invitation link has expired.", code="expired")
    if not invitation.account.active:
        raise AccountError("This account is disabled.", code="disabled")
    return invitation


def accept_invitation(
    session: Session, token: str, password: str, now: datetime | None = None
) -> ConsoleAccount:
    """Set the password through an invitation, which is then used up (never commits).

    Every session of the account opened before ends (a reset locks out whoever knew the old
    password)."""
    now = now or utcnow()
    invitation = open_invitation(session, token, now)
    account = invitation.account
    account.password_hash = hash_password(password)
    account.session_epoch += 1
    invitation.used_at = now
    session.flush()
    return account


INVITATION_KEEP = timedelta(days=30)


def purge_invitations(session: Session, now: datetime | None = None,
                      keep: timedelta = INVITATION_KEEP) -> int:
    """Delete invitations used or expired more than `keep` ago; how many (never commits).

    Kept that long so a person who clicks an old link is told it was used or has expired,
    not that it never existed; after that a link only says it is not valid."""
    cutoff = (now or utcnow()) - keep
    result = session.execute(delete(ConsoleInvitation).where(
        (ConsoleInvitation.used_at < cutoff) | (ConsoleInvitation.expires_at < cutoff)
    ))
    return int(result.rowcount or 0)


def set_active(account: ConsoleAccount, active: bool, now: datetime | None = None) -> None:
    """Disable (every session ends at once) or re-enable an account."""
    account.active = active
    account.disabled_at = None if active else (now or utcnow())
    account.session_epoch += 1


# --- sign-in --------------------------------------------------------------------------


def is_throttled(
    session: Session, email: str, address: str, throttle: Throttle, now: datetime | None = None
) -> bool:
    """Too many recent failures for this e-mail address or from this client address."""
    since = (now or utcnow()) - timedelta(seconds=throttle.window_s)
    per_email = session.scalar(
        select(func.count()).select_from(ConsoleLoginFailure).where(
            ConsoleLoginFailure.email == email[:254], ConsoleLoginFailure.occurred_at > since
        )
    ) or 0
    if per_email >= throttle.max_per_email:
        return True
    per_address = session.scalar(
        select(func.count()).select_from(ConsoleLoginFailure).where(
            ConsoleLoginFailure.address == address[:64], ConsoleLoginFailure.occurred_at > since
        )
    ) or 0
    return per_address >= throttle.max_per_address


def record_failure(
    session: Session, email: str, address: str, throttle: Throttle, now: datetime | None = None
) -> None:
    """Count one failed sign-in (and forget failures older than the window)."""
    now = now or utcnow()
    session.execute(delete(ConsoleLoginFailure).where(
        ConsoleLoginFailure.occurred_at <= now - timedelta(seconds=throttle.window_s)
    ))
    session.add(ConsoleLoginFailure(email=email[:254], address=address[:64], occurred_at=now))


def clear_failures(session: Session, email: str) -> None:
    """A successful sign-in forgives the e-mail address's failures (not the client's)."""
    session.execute(delete(ConsoleLoginFailure).where(ConsoleLoginFailure.email == email))


def check_credentials(session: Session, email: str, password: str) -> ConsoleAccount | None:
    """The active account with this e-mail address and password, or None.

    An unknown address costs a hash all the same, so timing does not tell which exist.
    """
    account = find_account(session, email)
    if account is None or not account.active or not account.has_password:
        _hasher().hash(password[:PASSWORD_MAX] or "x")
        return None
    return account if password_matches(account, password) else None


# --- TOTP -----------------------------------------------------------------------------


def new_totp_secret() -> str:
    """A fresh base32 TOTP seed (160 bits)."""
    return pyotp.random_base32(32)


def totp_uri(secret: str, email: str) -> str:
    """The otpauth:// URI an authenticator app reads (shown as text to type or paste)."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=TOTP_ISSUER)


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    step = totp.timecode(now)
    for candidate in (step, step - 1, step + 1):
        if secrets.compare_digest(totp.generate_otp(candidate), code):
            return candidate
    return None


def enable_totp(account: ConsoleAccount, secret: str, code: str,
                now: datetime | None = None) -> None:
    """Turn TOTP on once the person proved their app has `secret` (AccountError if not)."""
    now = now or utcnow()
    step = _matching_step(secret, code, now)
    if step is None:
        raise AccountError("That code does not match; check the app's clock and try again.",
                           "code")
    account.totp_secret = secret
    account.totp_enabled_at = now
    account.totp_last_step = step


def totp_matches(account: ConsoleAccount, code: str, now: datetime | None = None) -> bool:
    """Whether `code` is the account's current TOTP code, not used before."""
    if not account.totp_secret:
        return False
    step = _matching_step(account.totp_secret, code, now or utcnow())
    if step is None or (account.totp_last_step is not None and step <= account.totp_last_step):
        return False
    account.totp_last_step = step
    return True


def totp_required(session: Session, faction_id: int) -> bool:
    """Whether the faction's koordinator requires a second factor of everyone."""
    row = session.get(ConsoleFactionSettings, faction_id)
    return bool(row and row.totp_required)


def require_totp(session: Session, faction_id: int, required: bool) -> None:
    """Set the faction's TOTP requirement (never commits)."""
    row = session.get(ConsoleFactionSettings, faction_id)
    if row is None:
        session.add(ConsoleFactionSettings(faction_id=faction_id, totp_required=required))
    else:
        row.totp_required = required
