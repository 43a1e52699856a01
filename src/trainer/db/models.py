"""Database tables. Answers are stored against item ids and content hashes, never bank copies.

Datetimes are timezone-aware UTC everywhere (SQLModel 0.0.50 refuses naive ones, and fsrs needs
aware ones too); ``utcnow`` is the one clock the services use, so tests can move it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class Role(StrEnum):
    learner = "learner"
    instructor = "instructor"
    admin = "admin"


class AttemptMode(StrEnum):
    practice = "practice"
    exam = "exam"
    weak_spots = "weak_spots"
    retry = "retry"


class AttemptStatus(StrEnum):
    in_progress = "in_progress"
    submitted = "submitted"
    timed_out = "timed_out"


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    display_name: str = Field(max_length=120)
    email: str | None = Field(default=None, max_length=254)
    password_hash: str = Field(max_length=255)
    role: str = Field(default=Role.learner, max_length=16)
    created_at: datetime = Field(default_factory=utcnow)
    last_active_at: datetime | None = None
    # Throttling of repeated failed sign-ins for this account.
    failed_logins: int = Field(default=0)
    locked_until: datetime | None = None


class AuthSession(SQLModel, table=True):
    """A signed-in browser: only the SHA-256 of the cookie token is stored, so a leaked table
    cannot be replayed, and deleting the row signs the browser out at its next rerun."""

    __tablename__ = "auth_sessions"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime


class Attempt(SQLModel, table=True):
    """One quiz run. The ordered item list is fixed at start so a refresh resumes the same quiz."""

    __tablename__ = "attempts"
    __table_args__ = (Index("ix_attempts_user_status", "user_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE")
    mode: str = Field(max_length=16)
    status: str = Field(default=AttemptStatus.in_progress, max_length=16)
    title: str = Field(default="", max_length=200)
    item_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    settings: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    flagged: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    position: int = Field(default=0)
    started_at: datetime = Field(default_factory=utcnow)
    deadline_at: datetime | None = None
    finished_at: datetime | None = None
    score: float | None = None
    max_score: float | None = None


class Response(SQLModel, table=True):
    """One answered item. Unique per attempt and item: a double submit cannot store two rows."""

    __tablename__ = "responses"
    __table_args__ = (
        UniqueConstraint("attempt_id", "item_id", name="uq_responses_attempt_item"),
        Index("ix_responses_user_item", "user_id", "item_id"),
        Index("ix_responses_item", "item_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    attempt_id: int = Field(foreign_key="attempts.id", ondelete="CASCADE")
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE")
    item_id: str = Field(max_length=200)
    content_hash: str = Field(max_length=32)
    topic: str = Field(max_length=64)
    answer: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    correct: bool
    score: float
    time_ms: int | None = None
    answered_at: datetime = Field(default_factory=utcnow)
