"""Quiz runs: choosing items, starting, answering, resuming, timing out and finishing.

Everything a learner does is written at once, so a refresh or a closed tab loses nothing: the
attempt row holds the fixed item order, the current position and flags; each answer is a
response row. A response is unique per (attempt, item), and the insert is an
``ON CONFLICT`` statement, so a double click or a second tab cannot store two rows. Every
function takes the acting ``user_id`` and refuses attempts of anyone else.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from trainer.content import QuestionBank
from trainer.content.schema import AnyItem
from trainer.db.models import Attempt, AttemptMode, AttemptStatus, Response, utcnow
from trainer.services.review import review_from_quiz
from trainer.services.scoring import score_answer

EXAM_PRESET_ITEMS = 100
EXAM_PRESET_MINUTES = 110
RECENT_MISS_DAYS = 30


class AttemptError(Exception):
    """A plain message for the learner (the attempt is closed, not theirs, ...)."""


class AttemptClosed(AttemptError):
    pass


@dataclass(frozen=True)
class QuizSpec:
    """What the learner asked for on the set-up form."""

    mode: str = AttemptMode.practice
    topics: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    difficulties: tuple[str, ...] = ()
    count: int = 10
    minutes: int | None = None  # exam time limit
    include_flashcards: bool = False
    item_ids: tuple[str, ...] = ()  # a fixed list (retry, assignments)
    title: str = ""
    seed: int | None = None
    assignment_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def matching_items(bank: QuestionBank, spec: QuizSpec) -> list[AnyItem]:
    """Items of the bank that fit the spec's filters, in bank order."""
    pool = [bank.by_topic.get(t, ()) for t in spec.topics] if spec.topics else [bank.items]
    tags = set(spec.tags)
    return [
        item for group in pool for item in group
        if (not tags or tags.intersection(item.tags))
        and (not spec.difficulties or item.difficulty in spec.difficulties)
        and (spec.include_flashcards or item.type != "flashcard")
    ]


def choose_items(bank: QuestionBank, spec: QuizSpec) -> list[str]:
    if spec.item_ids:
        return [i for i in spec.item_ids if i in bank.by_id]
    candidates = matching_items(bank, spec)
    rng = random.Random(spec.seed)
    return [i.id for i in rng.sample(candidates, min(spec.count, len(candidates)))]


def weak_spot_item_ids(
    *, session: Session, bank: QuestionBank, user_id: int, count: int,
    now: datetime | None = None, seed: int | None = None,
) -> list[str]:
    """Recently missed items first, then items from the learner's weakest topics.

    A topic's strength is the mean score of the learner's responses in it (computed in SQL);
    topics never tried count as weakest of all, so they get practised too.
    """
    now = now or utcnow()
    rng = random.Random(seed)
    latest = (
        select(Response.item_id, Response.correct,
               func.row_number().over(partition_by=Response.item_id,
                                      order_by=(Response.answered_at.desc(), Response.id.desc()))
               .label("rn"))
        .where(Response.user_id == user_id,
               Response.answered_at >= now - timedelta(days=RECENT_MISS_DAYS))
        .subquery()
    )
    missed = [r for (r,) in session.execute(
        select(latest.c.item_id).where(latest.c.rn == 1, latest.c.correct.is_(False)))
        if r in bank.by_id and bank.by_id[r].type != "flashcard"]
    rng.shuffle(missed)
    chosen = missed[: max(1, count // 2)] if missed else []

    strength = dict(session.execute(
        select(Response.topic, func.avg(Response.score))
        .where(Response.user_id == user_id).group_by(Response.topic)).all())
    topics = sorted(bank.by_topic, key=lambda t: (strength.get(t, -1.0), t))
    taken = set(chosen)
    # Weakest topics first, a third of the quiz each at most; then fill up in the same order.
    for limit in (max(1, count // 3), count):
        for topic in topics:
            room = count - len(chosen)
            if room <= 0:
                break
            pool = [i.id for i in bank.by_topic[topic]
                    if i.type != "flashcard" and i.id not in taken]
            rng.shuffle(pool)
            picks = pool[: min(limit, room)]
            chosen += picks
            taken.update(picks)
    return chosen[:count]


def start_attempt(
    *, session: Session, bank: QuestionBank, user_id: int, spec: QuizSpec,
    now: datetime | None = None,
) -> Attempt:
    now = now or utcnow()
    if spec.mode == AttemptMode.weak_spots and not spec.item_ids:
        item_ids = weak_spot_item_ids(session=session, bank=bank, user_id=user_id,
                                      count=spec.count, now=now, seed=spec.seed)
    else:
        item_ids = choose_items(bank, spec)
    if not item_ids:
        raise AttemptError("No questions match these choices; widen the topics or difficulty.")
    deadline = None
    if spec.mode == AttemptMode.exam:
        minutes = spec.minutes or max(1, round(len(item_ids) * EXAM_PRESET_MINUTES
                                               / EXAM_PRESET_ITEMS))
        deadline = now + timedelta(minutes=minutes)
    attempt = Attempt(
        user_id=user_id, mode=spec.mode, title=spec.title or _default_title(bank, spec),
        item_ids=item_ids, started_at=now, deadline_at=deadline,
        assignment_id=spec.assignment_id,
        settings={"topics": list(spec.topics), "tags": list(spec.tags),
                  "difficulties": list(spec.difficulties), "count": spec.count,
                  "minutes": spec.minutes, **spec.extra},
    )
    session.add(attempt)
    session.flush()
    return attempt


def _default_title(bank: QuestionBank, spec: QuizSpec) -> str:
    what = ", ".join(bank.topic_title(t) for t in spec.topics) or "All topics"
    return {"practice": "Practice", "exam": "Exam", "weak_spots": "Weak spots",
            "retry": "Retry"}.get(spec.mode, spec.mode.title()) + f": {what}"


def get_attempt(*, session: Session, user_id: int, attempt_id: int) -> Attempt:
    attempt = session.get(Attempt, attempt_id)
    if attempt is None or attempt.user_id != user_id:
        raise AttemptError("That quiz does not exist or is not yours.")
    return attempt


def open_attempt(
    *, session: Session, user_id: int, now: datetime | None = None
) -> Attempt | None:
    """The learner's unfinished attempt, if any (after closing those whose time ran out)."""
    close_overdue(session=session, user_id=user_id, now=now)
    return session.scalars(
        select(Attempt).where(Attempt.user_id == user_id,
                              Attempt.status == AttemptStatus.in_progress)
        .order_by(Attempt.started_at.desc(), Attempt.id.desc())).first()


def close_overdue(*, session: Session, user_id: int, now: datetime | None = None) -> int:
    now = now or utcnow()
    overdue = session.scalars(select(Attempt).where(
        Attempt.user_id == user_id, Attempt.status == AttemptStatus.in_progress,
        Attempt.deadline_at.is_not(None), Attempt.deadline_at <= now)).all()
    for attempt in overdue:
        _finalise(session, attempt, AttemptStatus.timed_out, attempt.deadline_at or now)
    return len(overdue)


def _insert(session: Session):
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def record_answer(
    *, session: Session, bank: QuestionBank, user_id: int, attempt_id: int, item_id: str,
    answer: Any, time_ms: int | None = None, now: datetime | None = None,
) -> Response:
    """Score and store an answer once; return the stored response.

    In practice mode the first answer stands (feedback was shown); a second submit returns the
    stored row unchanged. In an exam the learner may change an answer until the attempt ends.
    """
    now = now or utcnow()
    attempt = get_attempt(session=session, user_id=user_id, attempt_id=attempt_id)
    if attempt.status == AttemptStatus.in_progress and attempt.deadline_at and attempt.deadline_at <= now:
        _finalise(session, attempt, AttemptStatus.timed_out, attempt.deadline_at)
        session.commit()  # the time-out must stand even though the caller rolls back on raise
        raise AttemptClosed("Time is up: the exam was submitted with the answers given so far.")
    if attempt.status != AttemptStatus.in_progress:
        raise AttemptClosed("This quiz is finished; its answers can no longer change.")
    if item_id not in attempt.item_ids:
        raise AttemptError("That question is not part of this quiz.")
    item = bank.by_id[item_id]
    scored = score_answer(item, answer)
    values = dict(attempt_id=attempt_id, user_id=user_id, item_id=item_id,
                  content_hash=item.content_hash, topic=item.topic, answer=answer,
                  correct=scored.correct, score=scored.score, time_ms=time_ms, answered_at=now)
    stmt = _insert(session)(Response).values(**values)
    stored_before = False
    if attempt.mode == AttemptMode.exam:
        # DO UPDATE returns the row for a changed answer too: tell a new answer from a change.
        stored_before = bool(session.scalar(select(func.count()).select_from(Response).where(
            Response.attempt_id == attempt_id, Response.item_id == item_id)))
        stmt = stmt.on_conflict_do_update(
            index_elements=["attempt_id", "item_id"],
            set_={k: stmt.excluded[k] for k in ("answer", "correct", "score", "time_ms",
                                                "answered_at", "content_hash")})
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=["attempt_id", "item_id"])
    # DO NOTHING returns a row only when this call inserted it: a double submit returns none.
    if session.execute(stmt.returning(Response.id)).first() is not None and not stored_before:
        # A new answer (not a double submit, not a changed exam answer) also reviews the
        # item's flashcard twins: quizzes and flashcards feed one FSRS memory model.
        review_from_quiz(session=session, bank=bank, user_id=user_id, item_id=item_id,
                         correct=scored.correct, now=now)
    return session.scalars(select(Response).where(
        Response.attempt_id == attempt_id, Response.item_id == item_id)
        .execution_options(populate_existing=True)).one()


def responses_of(*, session: Session, user_id: int, attempt_id: int) -> dict[str, Response]:
    get_attempt(session=session, user_id=user_id, attempt_id=attempt_id)
    rows = session.scalars(select(Response).where(Response.attempt_id == attempt_id))
    return {r.item_id: r for r in rows}


def move_to(*, session: Session, user_id: int, attempt_id: int, position: int) -> None:
    attempt = get_attempt(session=session, user_id=user_id, attempt_id=attempt_id)
    if attempt.status == AttemptStatus.in_progress:
        attempt.position = max(0, min(position, len(attempt.item_ids) - 1))


def toggle_flag(*, session: Session, user_id: int, attempt_id: int, item_id: str) -> bool:
    """Flag or unflag an item for review in an exam; returns whether it is now flagged."""
    attempt = get_attempt(session=session, user_id=user_id, attempt_id=attempt_id)
    flagged = set(attempt.flagged)
    now_flagged = item_id not in flagged
    flagged.symmetric_difference_update({item_id})
    attempt.flagged = sorted(flagged)  # reassign: JSON columns track assignment, not mutation
    return now_flagged


def finish_attempt(
    *, session: Session, user_id: int, attempt_id: int, now: datetime | None = None
) -> Attempt:
    """Submit the attempt (idempotent); an overdue exam is recorded as timed out."""
    now = now or utcnow()
    attempt = get_attempt(session=session, user_id=user_id, attempt_id=attempt_id)
    if attempt.status != AttemptStatus.in_progress:
        return attempt
    if attempt.deadline_at and attempt.deadline_at <= now:
        return _finalise(session, attempt, AttemptStatus.timed_out, attempt.deadline_at)
    return _finalise(session, attempt, AttemptStatus.submitted, now)


def _finalise(session: Session, attempt: Attempt, status: str, when: datetime) -> Attempt:
    total = session.scalar(
        select(func.coalesce(func.sum(Response.score), 0.0))
        .where(Response.attempt_id == attempt.id)) or 0.0
    # Conditional update: of two concurrent submits only one changes the row.
    session.execute(
        update(Attempt).where(Attempt.id == attempt.id,
                              Attempt.status == AttemptStatus.in_progress)
        .values(status=status, finished_at=when, score=float(total),
                max_score=float(len(attempt.item_ids))))
    session.refresh(attempt)
    return attempt


def abandon_attempt(*, session: Session, user_id: int, attempt_id: int) -> None:
    """Submit as it stands (unanswered items score 0) so nothing answered is thrown away."""
    finish_attempt(session=session, user_id=user_id, attempt_id=attempt_id)


@dataclass(frozen=True)
class TopicResult:
    topic: str
    title: str
    items: int
    answered: int
    score: float

    @property
    def percent(self) -> float:
        return 100.0 * self.score / self.items if self.items else 0.0


def topic_breakdown(
    *, session: Session, bank: QuestionBank, user_id: int, attempt: Attempt
) -> list[TopicResult]:
    """Score per topic of one attempt (sums in SQL; item counts from the attempt's own list)."""
    if attempt.user_id != user_id:
        raise AttemptError("That quiz does not exist or is not yours.")
    sums = {t: (n, s) for t, n, s in session.execute(
        select(Response.topic, func.count(), func.sum(Response.score))
        .where(Response.attempt_id == attempt.id).group_by(Response.topic))}
    per_topic: dict[str, int] = {}
    for item_id in attempt.item_ids:
        topic = bank.by_id[item_id].topic if item_id in bank.by_id else "retired"
        per_topic[topic] = per_topic.get(topic, 0) + 1
    return sorted(
        (TopicResult(t, bank.topic_title(t), n, sums.get(t, (0, 0.0))[0],
                     float(sums.get(t, (0, 0.0))[1] or 0.0)) for t, n in per_topic.items()),
        key=lambda r: r.percent)


def missed_item_ids(*, session: Session, user_id: int, attempt: Attempt) -> list[str]:
    answered_right = set(session.scalars(select(Response.item_id).where(
        Response.attempt_id == attempt.id, Response.user_id == user_id,
        Response.correct.is_(True))))
    return [i for i in attempt.item_ids if i not in answered_right]


def history(*, session: Session, user_id: int, limit: int = 200) -> Sequence[Attempt]:
    return session.scalars(
        select(Attempt).where(Attempt.user_id == user_id,
                              Attempt.status != AttemptStatus.in_progress)
        .order_by(Attempt.finished_at.desc(), Attempt.id.desc()).limit(limit)).all()
