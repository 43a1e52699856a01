"""Flashcards with FSRS spaced repetition: decks, the due queue, daily limits and reviews.

Every ``flashcard`` item of the bank is a card (card id = item id). A learner's memory of a
card is py-fsrs's own ``Card`` (``to_dict`` in ``ReviewCard.card``, with ``due``, ``state`` and
``stability`` copied into columns so the queue is an indexed SQL query), and every review is
py-fsrs's ``ReviewLog`` (``to_dict`` in ``ReviewLog.log``), so the history can be fed to the
FSRS optimizer as it is. Nothing here re-implements the scheduler: each review is one call of
``fsrs.Scheduler.review_card``.

Anki's conventions, counted in UTC days ("today" starts at 00:00 UTC):
- new cards are introduced in bank order, at most ``new_cards_per_day`` a day;
- cards not yet seen today that are due today (reviews, and learning cards left over from an
  earlier day) are limited to ``max_reviews_per_day``;
- learning and relearning steps within the day (a card rated Again, or a new card between its
  steps) are never limited, and when nothing else is left, a step due within
  ``LEARN_AHEAD`` is shown early, so such cards come back in the same session.

Refresh-safe and idempotent: the queue is rebuilt from the database on every rerun, and a
rating is written with ``UPDATE ... WHERE id = ? AND version = ?`` (or an insert that does
nothing when the card row already exists), so a double click, a second tab or a stale page
stores one review, never two.
"""

from __future__ import annotations

import hashlib
import random
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import fsrs
import fsrs.scheduler as fsrs_scheduler
from fsrs import Card, Rating, Scheduler, State
from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from trainer.content import QuestionBank
from trainer.content.atlas import AREA_LABELS, AREAS
from trainer.content.schema import Flashcard
from trainer.db.models import LearnerSettings, ReviewCard, ReviewLog, utcnow

DESIRED_RETENTION_RANGE = (0.70, 0.97)
DEFAULT_DESIRED_RETENTION = 0.9
DEFAULT_NEW_CARDS_PER_DAY = 20
DEFAULT_MAX_REVIEWS_PER_DAY = 200
MAX_DAILY_LIMIT = 9999
# Anki's default "learn ahead limit": when nothing else is due, a learning step due this soon is
# shown now instead of ending the session for a few minutes.
LEARN_AHEAD = timedelta(minutes=20)
RATINGS: tuple[Rating, ...] = (Rating.Again, Rating.Hard, Rating.Good, Rating.Easy)
RATING_LABELS: dict[Rating, str] = {
    Rating.Again: "Again", Rating.Hard: "Hard", Rating.Good: "Good", Rating.Easy: "Easy"}
SOURCE_REVIEW = "review"
SOURCE_QUIZ = "quiz"
ALL_DECK = "all"


class ReviewError(Exception):
    """A plain message for the learner (an unknown card, a setting out of range, ...)."""


class OptimizerUnavailable(ReviewError):
    """The ``fsrs[optimizer]`` extra (PyTorch) is not installed."""


# --- decks -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Deck:
    """A named set of cards, in bank order (the order new cards are introduced in)."""

    id: str  # "all", "topic:<slug>", "area:<slug>" or "tag:<slug>"
    kind: str  # all | topic | area | tag
    label: str
    card_ids: tuple[str, ...]

    @property
    def title(self) -> str:
        prefix = {"topic": "Topic", "area": "Body region", "tag": "Tag"}.get(self.kind)
        return f"{prefix}: {self.label}" if prefix else self.label


@dataclass(frozen=True)
class _BankIndex:
    """What the review services look up on every rerun, built once per loaded bank."""

    decks: tuple[Deck, ...]
    deck_by_id: dict[str, Deck]
    cards: dict[str, Flashcard]
    cards_by_concept: dict[str, tuple[str, ...]]


_INDEX_LOCK = threading.Lock()
_INDEX_CACHE: list[tuple[QuestionBank, _BankIndex]] = []


def _index(bank: QuestionBank) -> _BankIndex:
    # The bank is immutable but not hashable (it holds mapping proxies), so cache by identity.
    with _INDEX_LOCK:
        for cached_bank, index in _INDEX_CACHE:
            if cached_bank is bank:
                return index
        index = _build_index(bank)
        _INDEX_CACHE.insert(0, (bank, index))
        del _INDEX_CACHE[4:]
        return index


def _tag_label(tag: str) -> str:
    return tag.replace("-", " ")


def _build_index(bank: QuestionBank) -> _BankIndex:
    cards = {i.id: i for i in bank.items if isinstance(i, Flashcard)}
    order = tuple(cards)
    decks: list[Deck] = [Deck(ALL_DECK, "all", "All due", order)]
    seen_sets: set[tuple[str, ...]] = {order}

    def add(deck: Deck) -> None:
        if deck.card_ids and deck.card_ids not in seen_sets:
            seen_sets.add(deck.card_ids)
            decks.append(deck)

    for slug in sorted(bank.by_topic, key=bank.topic_title):
        add(Deck(f"topic:{slug}", "topic", bank.topic_title(slug),
                 tuple(c for c in order if cards[c].topic == slug)))
    for area in AREAS:
        add(Deck(f"area:{area}", "area", f"{AREA_LABELS[area]} muscles",
                 tuple(c for c in order if area in cards[c].tags)))
    for tag in sorted(bank.by_tag):
        if tag not in AREAS:
            add(Deck(f"tag:{tag}", "tag", _tag_label(tag),
                     tuple(c for c in order if tag in cards[c].tags)))
    by_concept: dict[str, list[str]] = {}
    for card in cards.values():
        if card.concept:
            by_concept.setdefault(card.concept, []).append(card.id)
    return _BankIndex(
        decks=tuple(decks), deck_by_id={d.id: d for d in decks}, cards=cards,
        cards_by_concept={k: tuple(v) for k, v in by_concept.items()})


def decks(bank: QuestionBank) -> tuple[Deck, ...]:
    """Every deck a learner can pick: "All due", then each topic, atlas body region and tag.

    Decks without flashcards are left out, and a deck holding exactly the same cards as one
    listed before it (the tag ``atlas`` and the topic ``atlas``) is listed once.
    """
    return _index(bank).decks


def flashcards(bank: QuestionBank) -> Mapping[str, Flashcard]:
    """Every card of the bank by id, in bank order."""
    return _index(bank).cards


def get_deck(bank: QuestionBank, deck_id: str) -> Deck:
    deck = _index(bank).deck_by_id.get(deck_id)
    if deck is None:
        raise ReviewError("That deck does not exist (any more); pick another one.")
    return deck


def linked_card_ids(bank: QuestionBank, item_id: str) -> tuple[str, ...]:
    """The flashcards a quiz answer on ``item_id`` also reviews: itself if it is a flashcard,
    and every flashcard with the same ``concept`` (atlas items share ``muscle:<id>``)."""
    index = _index(bank)
    item = bank.by_id.get(item_id)
    if item is None:
        return ()
    linked = [item.id] if item.id in index.cards else []
    if item.concept:
        linked += [c for c in index.cards_by_concept.get(item.concept, ()) if c not in linked]
    return tuple(linked)


# --- settings and the scheduler --------------------------------------------------------------

@dataclass(frozen=True)
class StudySettings:
    desired_retention: float = DEFAULT_DESIRED_RETENTION
    new_cards_per_day: int = DEFAULT_NEW_CARDS_PER_DAY
    max_reviews_per_day: int = DEFAULT_MAX_REVIEWS_PER_DAY
    exam_date: date | None = None
    fsrs_parameters: tuple[float, ...] | None = None


def get_study_settings(*, session: Session, user_id: int) -> StudySettings:
    """The learner's study settings (the defaults until they change one)."""
    row = session.get(LearnerSettings, user_id)
    if row is None:
        return StudySettings()
    return StudySettings(
        desired_retention=row.desired_retention, new_cards_per_day=row.new_cards_per_day,
        max_reviews_per_day=row.max_reviews_per_day,
        exam_date=row.exam_date.date() if row.exam_date else None,
        fsrs_parameters=tuple(row.fsrs_parameters) if row.fsrs_parameters else None)


_UNSET: Any = object()


def update_study_settings(
    *, session: Session, user_id: int, desired_retention: float | None = None,
    new_cards_per_day: int | None = None, max_reviews_per_day: int | None = None,
    exam_date: date | None = _UNSET, fsrs_parameters: Sequence[float] | None = _UNSET,
) -> StudySettings:
    """Change some settings (the others keep their value); refuse values out of range."""
    low, high = DESIRED_RETENTION_RANGE
    if desired_retention is not None and not low - 1e-9 <= desired_retention <= high + 1e-9:
        raise ReviewError(f"Desired retention must be between {low:.2f} and {high:.2f}.")
    for name, value in (("New cards per day", new_cards_per_day),
                        ("Maximum reviews per day", max_reviews_per_day)):
        if value is not None and not 0 <= value <= MAX_DAILY_LIMIT:
            raise ReviewError(f"{name} must be between 0 and {MAX_DAILY_LIMIT}.")
    if fsrs_parameters not in (_UNSET, None):
        Scheduler(parameters=list(fsrs_parameters))  # raises ValueError when out of bounds
    row = session.get(LearnerSettings, user_id)
    if row is None:
        row = LearnerSettings(user_id=user_id)
        session.add(row)
    if desired_retention is not None:
        row.desired_retention = round(float(desired_retention), 4)
    if new_cards_per_day is not None:
        row.new_cards_per_day = int(new_cards_per_day)
    if max_reviews_per_day is not None:
        row.max_reviews_per_day = int(max_reviews_per_day)
    if exam_date is not _UNSET:
        row.exam_date = datetime.combine(exam_date, time(0), UTC) if exam_date else None
    if fsrs_parameters is not _UNSET:
        row.fsrs_parameters = [float(p) for p in fsrs_parameters] if fsrs_parameters else None
    row.updated_at = utcnow()
    session.flush()
    return get_study_settings(session=session, user_id=user_id)


def scheduler_for(settings: StudySettings, *, fuzz: bool = True) -> Scheduler:
    """py-fsrs's scheduler with the learner's retention and (once fitted) their parameters.

    Fuzzing (a few percent of random spread on intervals of three days or more, so that cards
    learnt together do not stay together forever) is on in the app and off in tests.
    """
    return Scheduler(
        parameters=settings.fsrs_parameters or fsrs_scheduler.DEFAULT_PARAMETERS,
        desired_retention=settings.desired_retention, enable_fuzzing=fuzz)


_FUZZ_LOCK = threading.Lock()


@contextmanager
def _seeded_fuzz(seed: str) -> Iterator[None]:
    """Make py-fsrs's fuzz a function of the card and its review count, as Anki does.

    py-fsrs draws the fuzz from the module-level ``random()``; left alone, the interval on a
    button ("Good · 12d") and the interval actually given when it is pressed would be two
    different draws. Seeding with (learner, card, reps) makes the preview and the review the
    same draw. The lock keeps two sessions (Streamlit threads) from swapping it at once.
    """
    with _FUZZ_LOCK:
        original = fsrs_scheduler.random
        fsrs_scheduler.random = random.Random(seed).random
        try:
            yield
        finally:
            fsrs_scheduler.random = original


def _fuzz_seed(user_id: int, card_id: str, reps: int) -> str:
    return f"{user_id}:{card_id}:{reps}"


def _run_scheduler(scheduler: Scheduler, card: Card, rating: Rating, when: datetime,
                   seed: str, duration_ms: int | None = None) -> tuple[Card, fsrs.ReviewLog]:
    with _seeded_fuzz(seed):
        return scheduler.review_card(card, rating, review_datetime=when,
                                     review_duration=duration_ms)


def fsrs_card_id(card_id: str) -> int:
    """A stable integer id for py-fsrs (its Card and ReviewLog ids are ints): the optimizer
    groups a learner's logs by it, so it must be the same for every review of a card."""
    return int.from_bytes(hashlib.sha256(card_id.encode()).digest()[:6], "big")


def new_card(card_id: str, now: datetime) -> Card:
    return Card(card_id=fsrs_card_id(card_id), due=now)


# --- days ------------------------------------------------------------------------------------

def day_start(now: datetime) -> datetime:
    """Midnight UTC of ``now``'s day: "today" for the daily limits, streaks and forecasts."""
    return now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def as_utc(now: datetime | None) -> datetime:
    """``now`` (tests move the clock) or the real time, in UTC: the one clock of this module."""
    return (now or utcnow()).astimezone(UTC)


# --- the due queue ---------------------------------------------------------------------------

@dataclass(frozen=True)
class QueueCard:
    """The card to show now: new (no state yet), learning (a step today) or review."""

    card_id: str
    kind: str  # new | learning | review
    version: int  # 0 for a new card: there is no row yet
    reps: int
    state: dict[str, Any] | None  # fsrs Card.to_dict(), None for a new card

    def fsrs_card(self, now: datetime) -> Card:
        return Card.from_dict(self.state) if self.state else new_card(self.card_id, now)  # type: ignore[arg-type]


@dataclass(frozen=True)
class DueQueue:
    """Counts for one deck (what is left today under the limits) and the card to show now."""

    deck: Deck
    settings: StudySettings
    now: datetime
    new: int
    learning: int
    review: int
    current: QueueCard | None
    new_today: int  # new cards introduced today on the flashcard page (all decks)
    reviews_today: int  # due cards reviewed today on the flashcard page (all decks)
    later_today: int = 0  # learning steps due later today, beyond the learn-ahead limit
    next_at: datetime | None = None  # when the first of those is due
    review_backlog: int = 0  # due cards held back by the review limit
    new_waiting: int = 0  # unseen cards held back by the new-card limit
    deck_size: int = 0
    seen: int = 0

    @property
    def total(self) -> int:
        return self.new + self.learning + self.review


def _daily_counts(session: Session, user_id: int, start: datetime) -> tuple[int, int]:
    """(new cards introduced, due cards reviewed) today on the flashcard page.

    A card counts by its first review of the day: a new card counts as new, a card that was
    already known counts as a review; later steps of the same card that day count as neither
    (learning steps are not limited). Quiz-driven reviews count as neither: the limits are
    about the flashcard page's workload.
    """
    ordered = (
        select(ReviewLog.source, ReviewLog.was_new,
               func.row_number().over(partition_by=ReviewLog.card_id,
                                      order_by=(ReviewLog.reviewed_at, ReviewLog.id)).label("rn"))
        .where(ReviewLog.user_id == user_id, ReviewLog.reviewed_at >= start)
        .subquery())
    first_is_review = ordered.c.source == SOURCE_REVIEW
    new_today, reviews_today = session.execute(
        select(func.coalesce(func.sum(case((and_(first_is_review, ordered.c.was_new), 1),
                                           else_=0)), 0),
               func.coalesce(func.sum(case((and_(first_is_review, ~ordered.c.was_new), 1),
                                           else_=0)), 0))
        .where(ordered.c.rn == 1)).one()
    return int(new_today), int(reviews_today)


def build_queue(
    *, session: Session, bank: QuestionBank, user_id: int, deck_id: str = ALL_DECK,
    now: datetime | None = None,
) -> DueQueue:
    """What is left to study today in a deck, and which card to show now.

    Order: learning steps that are due, then due reviews (oldest due first) up to the review
    limit, then new cards in bank order up to the new-card limit, then (learn ahead) a
    learning step due within ``LEARN_AHEAD``. Counts and the next card come from SQL on the
    (user_id, due) index; only the learner's card ids (one short column) are read in full,
    to know which of the deck's cards are still new.
    """
    now = as_utc(now)
    start = day_start(now)
    end = start + timedelta(days=1)
    settings = get_study_settings(session=session, user_id=user_id)
    deck = get_deck(bank, deck_id)
    cards = _index(bank).cards

    known_query = select(ReviewCard.card_id).where(ReviewCard.user_id == user_id)
    deck_filter: Any = None
    if deck.kind != "all":
        deck_filter = ReviewCard.card_id.in_(deck.card_ids)
        known_query = known_query.where(deck_filter)
    known = set(session.scalars(known_query))
    if deck.kind == "all":
        retired = known.difference(cards)  # cards removed from the bank: never shown
        if retired:
            deck_filter = ReviewCard.card_id.not_in(sorted(retired))
            known -= retired
    scope = [ReviewCard.user_id == user_id, ReviewCard.due < end]
    if deck_filter is not None:
        scope.append(deck_filter)

    touched = ReviewCard.last_review >= start  # a step of today: never limited
    untouched = or_(ReviewCard.last_review.is_(None), ReviewCard.last_review < start)
    limited = and_(untouched, or_(ReviewCard.state == int(State.Review), ReviewCard.due <= now))
    learn_now = and_(touched, ReviewCard.due <= now)
    ahead = now + LEARN_AHEAD
    learn_ahead = and_(touched, ReviewCard.due <= ahead)

    def count(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    n_learn_now, n_learn_ahead, n_limited, n_later, next_later = session.execute(
        select(count(learn_now), count(learn_ahead), count(limited),
               count(and_(touched, ReviewCard.due > ahead)),
               func.min(case((and_(touched, ReviewCard.due > ahead), ReviewCard.due))))
        .where(*scope)).one()

    new_today, reviews_today = _daily_counts(session, user_id, start)
    review_room = max(0, settings.max_reviews_per_day - reviews_today)
    n_review = min(int(n_limited), review_room)
    new_room = max(0, settings.new_cards_per_day - new_today)
    unseen = [c for c in deck.card_ids if c not in known]
    n_new = min(len(unseen), new_room)

    def first(condition: Any) -> QueueCard | None:
        row = session.execute(
            select(ReviewCard.card_id, ReviewCard.version, ReviewCard.reps, ReviewCard.card,
                   ReviewCard.state)
            .where(*scope, condition).order_by(ReviewCard.due, ReviewCard.card_id).limit(1)
        ).first()
        if row is None:
            return None
        kind = "review" if row.state == int(State.Review) else "learning"
        return QueueCard(row.card_id, kind, row.version, row.reps, row.card)

    current: QueueCard | None = None
    if n_learn_now:
        current = first(learn_now)
    if current is None and n_review:
        current = first(limited)
    if current is None and n_new:
        current = QueueCard(unseen[0], "new", 0, 0, None)
    if current is None and n_learn_ahead:
        current = first(learn_ahead)
    # Learning steps due within the learn-ahead limit count as left today (Anki does the same).
    return DueQueue(
        deck=deck, settings=settings, now=now, new=n_new, learning=int(n_learn_ahead),
        review=n_review, current=current, new_today=new_today, reviews_today=reviews_today,
        later_today=int(n_later), next_at=next_later,
        review_backlog=int(n_limited) - n_review, new_waiting=len(unseen) - n_new,
        deck_size=len(deck.card_ids), seen=len(known))


# --- reviewing -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Reviewed:
    """A stored review: the card's new state and the log row's id."""

    card_id: str
    rating: Rating
    card: Card
    log_id: int
    was_new: bool
    source: str


def next_intervals(queue: DueQueue, *, user_id: int, now: datetime | None = None,
                   fuzz: bool = True) -> dict[Rating, timedelta]:
    """For each rating, the interval FSRS would give the current card if rated now.

    Runs the learner's scheduler on the stored card (py-fsrs copies it), with the same fuzz
    seed that ``answer_card`` will use, so the label is the interval the learner gets.
    """
    current = queue.current
    if current is None:
        return {}
    now = as_utc(now)
    scheduler = scheduler_for(queue.settings, fuzz=fuzz)
    card = current.fsrs_card(now)
    seed = _fuzz_seed(user_id, current.card_id, current.reps)
    return {r: _run_scheduler(scheduler, card, r, now, seed)[0].due - now for r in RATINGS}


def format_interval(delta: timedelta) -> str:
    """Anki's short form: <1m, 10m, 5h, 3d, 2.5mo, 1.2y."""
    seconds = delta.total_seconds()

    def trim(x: float) -> str:
        return f"{x:.1f}".removesuffix(".0")

    if seconds < 60:
        return "<1m"
    if seconds < 3600:
        return f"{round(seconds / 60)}m"
    if seconds < 86400:
        return f"{trim(seconds / 3600)}h"
    days = seconds / 86400
    if days < 30:
        return f"{round(days)}d"
    if days < 365:
        return f"{trim(days / 30)}mo"
    return f"{trim(days / 365)}y"


def _insert(session: Session):
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def _apply_review(
    session: Session, bank: QuestionBank, *, user_id: int, card_id: str, rating: Rating,
    version: int, row: ReviewCard | None, now: datetime, source: str,
    duration_ms: int | None, fuzz: bool,
) -> Reviewed | None:
    """Review one card and store it once; None when ``version`` is stale (already stored)."""
    item = _index(bank).cards.get(card_id)
    if item is None:
        raise ReviewError("That card is not in the question bank.")
    scheduler = scheduler_for(get_study_settings(session=session, user_id=user_id), fuzz=fuzz)
    before = Card.from_dict(row.card) if row is not None else new_card(card_id, now)  # type: ignore[arg-type]
    reps = row.reps if row is not None else 0
    after, log = _run_scheduler(scheduler, before, rating, now,
                                _fuzz_seed(user_id, card_id, reps), duration_ms)
    lapse = int(before.state == State.Review and rating == Rating.Again)
    values = dict(card=after.to_dict(), due=after.due, state=int(after.state),
                  stability=after.stability, difficulty=after.difficulty,
                  last_review=after.last_review)
    if row is None:
        if version != 0:
            return None
        result = session.execute(
            _insert(session)(ReviewCard)
            .values(user_id=user_id, card_id=card_id, topic=item.topic, reps=1, lapses=lapse,
                    version=1, created_at=now, **values)
            .on_conflict_do_nothing(index_elements=["user_id", "card_id"])
            .returning(ReviewCard.id))
    else:
        result = session.execute(
            update(ReviewCard)
            .where(ReviewCard.id == row.id, ReviewCard.user_id == user_id,
                   ReviewCard.version == version)
            .values(reps=ReviewCard.reps + 1, lapses=ReviewCard.lapses + lapse,
                    version=ReviewCard.version + 1, **values)
            .returning(ReviewCard.id)
            .execution_options(synchronize_session=False))
    # RETURNING, not rowcount: with RETURNING in play psycopg reports no rowcount (-1).
    if result.first() is None:  # the row exists already / the version moved on: stale
        return None
    entry = ReviewLog(user_id=user_id, card_id=card_id, rating=int(rating), reviewed_at=now,
                      duration_ms=duration_ms, source=source, was_new=row is None,
                      log=log.to_dict())
    session.add(entry)
    session.flush()
    assert entry.id is not None
    return Reviewed(card_id, rating, after, entry.id, row is None, source)


def _card_row(session: Session, user_id: int, card_id: str) -> ReviewCard | None:
    return session.scalars(
        select(ReviewCard).where(ReviewCard.user_id == user_id, ReviewCard.card_id == card_id)
        .execution_options(populate_existing=True)).first()


def answer_card(
    *, session: Session, bank: QuestionBank, user_id: int, card_id: str, rating: Rating | int,
    version: int, now: datetime | None = None, duration_ms: int | None = None,
    fuzz: bool = True,
) -> Reviewed | None:
    """Rate a card on the flashcard page.

    ``version`` is the one the learner saw (0 for a new card). If the card has moved on since
    (the button was pressed twice, or the card was rated in another tab), nothing is written
    and None is returned: one press, one review.
    """
    row = _card_row(session, user_id, card_id)
    if row is not None and row.version != version:
        return None
    return _apply_review(session, bank, user_id=user_id, card_id=card_id, rating=Rating(rating),
                         version=version, row=row, now=as_utc(now), source=SOURCE_REVIEW,
                         duration_ms=duration_ms, fuzz=fuzz)


def review_from_quiz(
    *, session: Session, bank: QuestionBank, user_id: int, item_id: str, correct: bool,
    now: datetime | None = None, fuzz: bool = True,
) -> list[Reviewed]:
    """Count a quiz answer as a review of the item's flashcard twins (correct → Good, else
    Again), so quizzes and flashcards feed one FSRS memory of the same thing.

    Only the first quiz answer of the (UTC) day on a card counts: a quiz that asks about the
    same muscle three times in a row is one retrieval, not three spaced reviews. The caller
    (``attempts.record_answer``) calls this only when a new response row was stored.
    """
    now = as_utc(now)
    start = day_start(now)
    rating = Rating.Good if correct else Rating.Again
    done: list[Reviewed] = []
    for card_id in linked_card_ids(bank, item_id):
        already = session.scalar(
            select(ReviewLog.id).where(ReviewLog.user_id == user_id, ReviewLog.card_id == card_id,
                                       ReviewLog.source == SOURCE_QUIZ,
                                       ReviewLog.reviewed_at >= start).limit(1))
        if already is not None:
            continue
        row = _card_row(session, user_id, card_id)
        reviewed = _apply_review(
            session, bank, user_id=user_id, card_id=card_id, rating=rating,
            version=row.version if row is not None else 0, row=row, now=now,
            source=SOURCE_QUIZ, duration_ms=None, fuzz=fuzz)
        if reviewed is not None:
            done.append(reviewed)
    return done


def card_state(*, session: Session, user_id: int, card_id: str) -> Card | None:
    """The learner's stored FSRS card, or None if they never reviewed it."""
    row = _card_row(session, user_id, card_id)
    return Card.from_dict(row.card) if row is not None else None  # type: ignore[arg-type]


# --- fitting FSRS parameters -----------------------------------------------------------------

@dataclass(frozen=True)
class OptimizeResult:
    reviews: int
    cards: int
    parameters: tuple[float, ...] | None  # None: too few reviews, the defaults stay
    previous: tuple[float, ...] | None = None


def optimize_parameters(*, session: Session, user_id: int) -> OptimizeResult:
    """Fit FSRS parameters to this learner's stored review logs and keep them.

    Needs the optional ``fsrs[optimizer]`` extra (PyTorch). This is a command-line job, not a
    page: it is the one place that reads all of a learner's logs into memory. With too little
    history py-fsrs returns its defaults; then nothing is stored and the defaults stay.
    From the next review on, ``scheduler_for`` schedules with the fitted parameters.
    """
    try:
        from fsrs.optimizer import Optimizer

        logs = [fsrs.ReviewLog.from_dict(d) for d in session.scalars(  # type: ignore[arg-type]
            select(ReviewLog.log).where(ReviewLog.user_id == user_id)
            .order_by(ReviewLog.reviewed_at, ReviewLog.id))]
        optimizer = Optimizer(logs)
    except ImportError as exc:
        raise OptimizerUnavailable(
            'The FSRS optimizer is not installed. Install the extra with: '
            'pip install -e ".[optimizer]" (it pulls in PyTorch).') from exc
    previous = get_study_settings(session=session, user_id=user_id).fsrs_parameters
    cards = len({log.card_id for log in logs})
    fitted = tuple(float(p) for p in optimizer.compute_optimal_parameters())
    if fitted == tuple(fsrs_scheduler.DEFAULT_PARAMETERS):
        return OptimizeResult(len(logs), cards, None, previous)
    update_study_settings(session=session, user_id=user_id, fsrs_parameters=fitted)
    return OptimizeResult(len(logs), cards, fitted, previous)
