"""Accounts, password checks and sign-in sessions.

Passwords are hashed with argon2id (argon2-cffi's defaults) and never logged. A failed sign-in
costs the same hash time whether or not the account exists, so timing does not reveal which
usernames are taken. After ``MAX_FAILED`` failures in a row an account is locked for
``LOCK_MINUTES``; a successful sign-in resets the count.

Sessions: the browser holds a random token in an HttpOnly cookie; the table stores only its
SHA-256 with an expiry. Every rerun resolves the token again, so signing out (or an admin
deleting the row) takes effect immediately, and a refresh keeps the learner signed in.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from trainer.db.models import AuthSession, Role, User, utcnow

MAX_FAILED = 5
LOCK_MINUTES = 15
MIN_PASSWORD_LENGTH = 8
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._@+-]{2,63}$")
_HASHER = PasswordHasher()
_DUMMY_HASH = _HASHER.hash("not-a-real-password")


class AuthError(Exception):
    """A plain message for the person at the keyboard; never includes the password."""


@dataclass(frozen=True)
class CurrentUser:
    """What pages need to know about the signed-in user (no hash, no ORM object)."""

    id: int
    username: str
    display_name: str
    role: str

    @property
    def is_instructor(self) -> bool:
        return self.role in (Role.instructor, Role.admin)


def _current(user: User) -> CurrentUser:
    assert user.id is not None
    return CurrentUser(user.id, user.username, user.display_name, user.role)


def normalise_username(username: str) -> str:
    return username.strip().lower()


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def create_user(
    *, session: Session, username: str, password: str, display_name: str = "",
    email: str | None = None, role: str = Role.learner,
) -> CurrentUser:
    username = normalise_username(username)
    if not USERNAME_RE.match(username):
        raise AuthError("Choose a username of 3 to 64 letters, digits or . _ @ + - characters.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AuthError(f"Choose a password of at least {MIN_PASSWORD_LENGTH} characters.")
    if role not in Role.__members__:
        raise AuthError(f"Unknown role {role!r}.")
    user = User(
        username=username, display_name=display_name.strip() or username,
        email=(email or "").strip() or None, password_hash=hash_password(password), role=role,
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        raise AuthError("That username is taken; choose another.") from exc
    return _current(user)


def authenticate(
    *, session: Session, username: str, password: str, now: datetime | None = None
) -> CurrentUser:
    """Check a password; count failures and lock the account after too many."""
    now = now or utcnow()
    user = session.scalar(select(User).where(User.username == normalise_username(username)))
    if user is None:
        _verify(_DUMMY_HASH, password)  # same cost as a real check
        raise AuthError("Wrong username or password.")
    if user.locked_until is not None and user.locked_until > now:
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        raise AuthError(
            f"Too many failed sign-ins: this account is locked for about {minutes} more "
            "minute(s). Try again later.")
    if not _verify(user.password_hash, password):
        # Increment in SQL so two concurrent failures both count.
        session.execute(update(User).where(User.id == user.id)
                        .values(failed_logins=User.failed_logins + 1))
        session.refresh(user)
        if user.failed_logins >= MAX_FAILED:
            user.locked_until = now + timedelta(minutes=LOCK_MINUTES)
            user.failed_logins = 0
        session.flush()
        raise AuthError("Wrong username or password.")
    if _HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    user.last_active_at = now
    session.flush()
    return _current(user)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(
    *, session: Session, user_id: int, ttl_seconds: int, now: datetime | None = None
) -> str:
    """Return a new random token for the cookie; only its hash is stored."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    session.add(AuthSession(user_id=user_id, token_hash=_token_hash(token), created_at=now,
                            expires_at=now + timedelta(seconds=ttl_seconds)))
    # Housekeeping: expired sessions of this user are of no use to anyone.
    session.execute(delete(AuthSession).where(
        AuthSession.user_id == user_id, AuthSession.expires_at < now))
    session.flush()
    return token


def resolve_session(
    *, session: Session, token: str | None, now: datetime | None = None
) -> CurrentUser | None:
    if not token:
        return None
    now = now or utcnow()
    row = session.execute(
        select(User).join(AuthSession, AuthSession.user_id == User.id)
        .where(AuthSession.token_hash == _token_hash(token), AuthSession.expires_at > now)
    ).scalar_one_or_none()
    return _current(row) if row is not None else None


def end_session(*, session: Session, token: str | None) -> None:
    if token:
        session.execute(delete(AuthSession).where(AuthSession.token_hash == _token_hash(token)))


def get_user(*, session: Session, username: str) -> CurrentUser | None:
    user = session.scalar(select(User).where(User.username == normalise_username(username)))
    return _current(user) if user else None


def count_users(*, session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User)) or 0
