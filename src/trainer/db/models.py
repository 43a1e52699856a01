"""Database tables. Answers are stored against item ids and content hashes, never bank copies.

Datetimes are timezone-aware UTC everywhere (SQLModel 0.0.50 refuses naive ones, and fsrs needs
aware ones too); ``utcnow`` is the one clock the services use, so tests can move it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, UniqueConstraint
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
    __table_args__ = (
        Index("ix_attempts_user_status", "user_id", "status"),
        Index("ix_attempts_assignment_user", "assignment_id", "user_id"),
    )

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
    assignment_id: int | None = Field(default=None, foreign_key="assignments.id",
                                      ondelete="SET NULL")


class Response(SQLModel, table=True):
    """One answered item. Unique per attempt and item: a double submit cannot store two rows."""

    __tablename__ = "responses"
    __table_args__ = (
        UniqueConstraint("attempt_id", "item_id", name="uq_responses_attempt_item"),
        Index("ix_responses_user_item", "user_id", "item_id"),
        Index("ix_responses_item", "item_id"),
        Index("ix_responses_user_time", "user_id", "answered_at"),
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


class LearnerItemStats(SQLModel, table=True):
    """One learner's answers to one item, summarised: what the dashboards read instead of
    re-aggregating every response.

    Maintained **by database triggers on ``responses``** (migration 0003), on SQLite and
    PostgreSQL alike, whatever code wrote the response: an insert folds the new answer into the
    row (an upsert, safe under concurrent writers), an update (an exam answer changed) or a
    delete recomputes the row from the responses. ``first_*`` is the first
    answer (item analysis: before any feedback on the item), ``last_*`` the latest (mastery).
    ``trainer.services.analytics.recompute_item_stats`` is the same definition as a query;
    tests check that the two always agree. No foreign key on purpose: the triggers remove a
    row when its last response goes, and a key would race with cascading deletes.
    A migration that rebuilds ``responses`` (SQLite batch mode) must re-create the triggers.
    """

    __tablename__ = "learner_item_stats"
    # SQLite: rows stored in primary-key order (no rowid), so one learner's rows are contiguous.
    __table_args__ = {"sqlite_with_rowid": False}

    user_id: int = Field(primary_key=True)
    item_id: str = Field(max_length=200, primary_key=True)
    topic: str = Field(max_length=64)  # of the latest answer
    answers: int
    points: float  # sum of scores
    correct_answers: int
    # BIGINT: a sum of int4 times could overflow int4, and the trigger would then fail the write.
    time_ms_sum: int = Field(sa_column=Column(BigInteger, nullable=False))
    time_ms_count: int
    first_response_id: int
    first_answered_at: datetime
    first_content_hash: str = Field(max_length=32)
    first_answer: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    first_score: float
    first_correct: bool
    last_response_id: int
    last_answered_at: datetime
    last_score: float


# --- flashcards and spaced repetition (FSRS) ------------------------------------------------

class LearnerSettings(SQLModel, table=True):
    """Per-learner study preferences; FSRS parameters once fitted by `trainer fsrs optimize`."""

    __tablename__ = "learner_settings"

    user_id: int = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")
    desired_retention: float = Field(default=0.9)
    new_cards_per_day: int = Field(default=20)
    max_reviews_per_day: int = Field(default=200)
    exam_date: datetime | None = None
    fsrs_parameters: list[float] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    updated_at: datetime = Field(default_factory=utcnow)


class ReviewCard(SQLModel, table=True):
    """FSRS state of one flashcard for one learner.

    ``card`` holds ``fsrs.Card.to_dict()`` so the library's own state round-trips unchanged;
    ``due``, ``state`` and ``stability`` are copied out of it so queues and mastery are SQL
    queries. ``version`` is bumped on every review: an update that names a stale version is a
    double submit and is ignored.
    """

    __tablename__ = "review_cards"
    __table_args__ = (
        UniqueConstraint("user_id", "card_id", name="uq_review_cards_user_card"),
        Index("ix_review_cards_user_due", "user_id", "due"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE")
    card_id: str = Field(max_length=200)
    topic: str = Field(max_length=64)
    card: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    due: datetime
    state: int = Field(default=1)  # fsrs.State: 1 learning, 2 review, 3 relearning
    stability: float | None = None
    difficulty: float | None = None
    last_review: datetime | None = None
    reps: int = Field(default=0)
    lapses: int = Field(default=0)
    version: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow)


class ReviewLog(SQLModel, table=True):
    """Every review, from the flashcard page or from a quiz answer on a linked item."""

    __tablename__ = "review_logs"
    __table_args__ = (
        Index("ix_review_logs_user_time", "user_id", "reviewed_at"),
        Index("ix_review_logs_user_card", "user_id", "card_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE")
    card_id: str = Field(max_length=200)
    rating: int  # fsrs.Rating: 1 Again, 2 Hard, 3 Good, 4 Easy
    reviewed_at: datetime = Field(default_factory=utcnow)
    duration_ms: int | None = None
    source: str = Field(default="review", max_length=16)  # review | quiz
    was_new: bool = Field(default=False)
    log: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


# --- cohorts and assignments -----------------------------------------------------------------

class Cohort(SQLModel, table=True):
    __tablename__ = "cohorts"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    term: str = Field(default="", max_length=60)
    join_code: str = Field(max_length=16, unique=True)
    created_by: int = Field(foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow)


class CohortMember(SQLModel, table=True):
    """A learner or a (co-)instructor of a cohort; one row per person and cohort."""

    __tablename__ = "cohort_members"
    __table_args__ = (Index("ix_cohort_members_user", "user_id"),)

    cohort_id: int = Field(foreign_key="cohorts.id", primary_key=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")
    role: str = Field(default="learner", max_length=16)  # learner | instructor
    joined_at: datetime = Field(default_factory=utcnow)


class Assignment(SQLModel, table=True):
    __tablename__ = "assignments"
    __table_args__ = (Index("ix_assignments_cohort_due", "cohort_id", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="cohorts.id", ondelete="CASCADE")
    title: str = Field(max_length=200)
    # What to draw items from: topics, tags, difficulties, count, or a fixed item_ids list.
    spec: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    mode: str = Field(default="practice", max_length=16)
    due_at: datetime
    attempts_allowed: int = Field(default=1)
    pass_mark: float = Field(default=0.7)  # share of max score
    created_by: int = Field(foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow)
