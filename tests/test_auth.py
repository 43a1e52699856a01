"""Accounts and sign-in: argon2 hashes, lockout after repeated failures, revocable sessions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from trainer.db.engine import session_scope
from trainer.db.models import AuthSession, User, utcnow
from trainer.services import auth
from trainer.services.auth import AuthError


def test_password_is_stored_as_argon2_hash(engine, make_user) -> None:
    make_user("alice", password="correct-horse")
    with session_scope(engine) as s:
        row = s.scalar(select(User).where(User.username == "alice"))
    assert row.password_hash.startswith("$argon2id$")
    assert "correct-horse" not in row.password_hash


def test_sign_in_checks_password_and_normalises_username(engine, make_user) -> None:
    make_user("alice", password="correct-horse")
    with session_scope(engine) as s:
        assert auth.authenticate(session=s, username=" Alice ", password="correct-horse").username == "alice"
    with session_scope(engine) as s, pytest.raises(AuthError, match="Wrong username or password"):
        auth.authenticate(session=s, username="alice", password="wrong-horse")
    with session_scope(engine) as s, pytest.raises(AuthError, match="Wrong username or password"):
        auth.authenticate(session=s, username="nobody", password="whatever1")


def test_duplicate_username_and_weak_password_are_refused(engine, make_user) -> None:
    make_user("alice")
    with session_scope(engine) as s, pytest.raises(AuthError, match="taken"):
        auth.create_user(session=s, username="ALICE", password="another-pass")
    with session_scope(engine) as s, pytest.raises(AuthError, match="at least 8"):
        auth.create_user(session=s, username="bob", password="short")


def test_repeated_failures_lock_the_account_for_a_while(engine, make_user) -> None:
    make_user("alice", password="correct-horse")
    now = utcnow()
    for _ in range(auth.MAX_FAILED):
        with session_scope(engine) as s, pytest.raises(AuthError, match="Wrong"):
            auth.authenticate(session=s, username="alice", password="bad-guess", now=now)
    # even the right password is refused while locked
    with session_scope(engine) as s, pytest.raises(AuthError, match="locked"):
        auth.authenticate(session=s, username="alice", password="correct-horse", now=now)
    later = now + timedelta(minutes=auth.LOCK_MINUTES + 1)
    with session_scope(engine) as s:
        assert auth.authenticate(session=s, username="alice", password="correct-horse", now=later)


def test_session_token_resolves_until_ended_or_expired(engine, make_user) -> None:
    user = make_user("alice")
    now = utcnow()
    with session_scope(engine) as s:
        token = auth.start_session(session=s, user_id=user.id, ttl_seconds=3600, now=now)
    with session_scope(engine) as s:
        assert auth.resolve_session(session=s, token=token, now=now).username == "alice"
        assert auth.resolve_session(session=s, token=token, now=now + timedelta(hours=2)) is None
        assert auth.resolve_session(session=s, token="forged", now=now) is None
        stored = s.scalar(select(AuthSession.token_hash))
        assert stored != token and len(stored) == 64  # only the SHA-256 is kept
    with session_scope(engine) as s:
        auth.end_session(session=s, token=token)
    with session_scope(engine) as s:
        assert auth.resolve_session(session=s, token=token, now=now) is None
