"""Progress: mastery per topic, the review forecast, the streak and the exam outlook.

The mastery method lives in one place, ``topic_mastery`` (its docstring is shown on the
progress page, so the page and the code cannot disagree). Recall of a card is FSRS's own
retrievability (``Scheduler.get_card_retrievability``) with the learner's parameters, never a
formula of ours. Counts and sums run in SQL on indexed columns; the rows read into Python are
bounded by the bank (one per answered item, one per studied card), never by history.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise

from fsrs import Card, Scheduler
from sqlalchemy import case, func, select, union
from sqlmodel import Session

from trainer.content import QuestionBank
from trainer.db.models import Response, ReviewCard, ReviewLog
from trainer.services.review import as_utc, day_start, flashcards, get_study_settings, scheduler_for

FORECAST_DAYS = 14
STREAK_LOOKBACK_DAYS = 400


def mastery_share(quiz_points: float, recall_points: float, questions: int, cards: int) -> float:
    """The one mastery formula, shared by a learner's progress page and the cohort dashboard:
    points earned (latest quiz scores plus current card recall) over everything the topic
    holds, so unanswered questions and unstudied cards count 0."""
    total = questions + cards
    return (quiz_points + recall_points) / total if total else 0.0


@dataclass(frozen=True)
class TopicMastery:
    topic: str
    title: str
    questions: int  # quiz items in the topic (flashcards excluded)
    answered: int  # of those, answered at least once
    quiz_points: float  # sum of the latest score of each answered item
    cards: int  # flashcards in the topic
    studied: int  # of those, with an FSRS state
    recall_points: float  # sum of the current retrievability of each studied card
    due_cards: int  # studied cards due today

    @property
    def mastery(self) -> float:
        return mastery_share(self.quiz_points, self.recall_points, self.questions, self.cards)

    @property
    def quiz_accuracy(self) -> float | None:
        return self.quiz_points / self.answered if self.answered else None

    @property
    def card_recall(self) -> float | None:
        return self.recall_points / self.studied if self.studied else None


def _latest_scores(session: Session, user_id: int) -> dict[str, float]:
    """Latest score of each item the learner answered (window function in SQL)."""
    ranked = (
        select(Response.item_id, Response.score,
               func.row_number().over(partition_by=Response.item_id,
                                      order_by=(Response.answered_at.desc(), Response.id.desc()))
               .label("rn"))
        .where(Response.user_id == user_id).subquery())
    return {item_id: float(score) for item_id, score in session.execute(
        select(ranked.c.item_id, ranked.c.score).where(ranked.c.rn == 1))}


def _card_rows(session: Session, user_id: int, end: datetime) -> list:
    """(card_id, stability, last_review, due before ``end``) of each of the learner's cards:
    what recall needs, with the due test done in SQL."""
    return list(session.execute(
        select(ReviewCard.card_id, ReviewCard.stability, ReviewCard.last_review,
               case((ReviewCard.due < end, 1), else_=0).label("due_soon"))
        .where(ReviewCard.user_id == user_id)))


def _retrievability(scheduler: Scheduler, row, when: datetime) -> float:
    """FSRS's own recall probability; it reads only the last review and the stability."""
    card = Card(card_id=0, stability=row.stability, last_review=row.last_review, due=when)
    return float(scheduler.get_card_retrievability(card, current_datetime=when))


def topic_mastery(
    *, session: Session, bank: QuestionBank, user_id: int, now: datetime | None = None
) -> list[TopicMastery]:
    """**Mastery of a topic** is the share of the topic you would get right today.

    Every quiz question and every flashcard of the topic counts once:
    - a **quiz question** counts with the score of your latest answer to it (0 to 1, partial
      credit included); a question you never answered counts 0;
    - a **flashcard** counts with its **recall probability now**, as FSRS predicts it from
      your review history (its *retrievability*: it falls day by day since the last review,
      more slowly the more stable the memory); a card you never studied counts 0.

    Mastery = (sum of those numbers) ÷ (questions + cards in the topic). So a topic is only
    mastered when you have covered it *and* still remember it: answering 5 of 40 questions
    right gives 12%, not 100%. A quiz answer on a question that tests the same thing as a
    flashcard (the same atlas muscle) also counts as a review of that card, so it raises
    both parts. Flashcards answered inside a quiz count through the card, not twice.
    """
    now = as_utc(now)
    end = day_start(now) + timedelta(days=1)
    cards = flashcards(bank)
    scheduler = scheduler_for(get_study_settings(session=session, user_id=user_id), fuzz=False)
    latest = _latest_scores(session, user_id)
    per_topic: dict[str, dict[str, float]] = {
        t: dict.fromkeys(("questions", "answered", "quiz", "cards", "studied", "recall", "due"),
                         0.0) for t in bank.by_topic}
    for item in bank.items:
        acc = per_topic[item.topic]
        if item.id in cards:
            acc["cards"] += 1
        else:
            acc["questions"] += 1
            if item.id in latest:
                acc["answered"] += 1
                acc["quiz"] += latest[item.id]
    for row in _card_rows(session, user_id, end):
        card = cards.get(row.card_id)
        if card is None:  # retired from the bank
            continue
        acc = per_topic[card.topic]
        acc["studied"] += 1
        acc["recall"] += _retrievability(scheduler, row, now)
        acc["due"] += row.due_soon
    return sorted(
        (TopicMastery(t, bank.topic_title(t), int(a["questions"]), int(a["answered"]), a["quiz"],
                      int(a["cards"]), int(a["studied"]), a["recall"], int(a["due"]))
         for t, a in per_topic.items()),
        key=lambda m: (m.mastery, m.title))


def weakest_topics(masteries: Iterable[TopicMastery], count: int = 3) -> list[TopicMastery]:
    """What to study next: the topics of lowest mastery (the list is sorted weakest first)."""
    return sorted(masteries, key=lambda m: (m.mastery, m.title))[:count]


def next_step(m: TopicMastery) -> str:
    """One concrete suggestion for a weak topic, in the order a tutor would give them."""
    if m.due_cards:
        return f"Review its {m.due_cards} due card(s) in the “{m.title}” deck."
    if m.studied < m.cards:
        return f"Learn its {m.cards - m.studied} new card(s) in the “{m.title}” deck."
    if m.answered < m.questions:
        return f"Take a practice quiz: {m.questions - m.answered} question(s) not tried yet."
    return "Take a weak-spots quiz to retry the questions you missed."


@dataclass(frozen=True)
class ForecastDay:
    day: date
    due: int  # reviews due that UTC day (day 0 includes everything overdue)


def forecast(
    *, session: Session, user_id: int, now: datetime | None = None, days: int = FORECAST_DAYS
) -> list[ForecastDay]:
    """Cards coming due on each of the next ``days`` UTC days, from today.

    One query: a conditional count per day over the (user_id, due) index range.
    """
    start = day_start(as_utc(now))
    bounds = [start + timedelta(days=n + 1) for n in range(days)]
    columns = [func.coalesce(func.sum(case((ReviewCard.due < bounds[0], 1), else_=0)), 0)]
    columns += [func.coalesce(func.sum(case(((ReviewCard.due >= lo) & (ReviewCard.due < hi), 1),
                                            else_=0)), 0)
                for lo, hi in pairwise(bounds)]
    counts = session.execute(
        select(*columns).where(ReviewCard.user_id == user_id, ReviewCard.due < bounds[-1])).one()
    return [ForecastDay((start + timedelta(days=n)).date(), int(c)) for n, c in enumerate(counts)]


@dataclass(frozen=True)
class Streak:
    current: int  # consecutive UTC days with study, ending today (or yesterday)
    studied_today: bool
    longest: int  # within the last STREAK_LOOKBACK_DAYS


def _utc_date(session: Session, column):
    if session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone("UTC", column))
    return func.date(column)  # SQLite stores UTC text: date() reads its day


def review_streak(*, session: Session, user_id: int, now: datetime | None = None) -> Streak:
    """Days in a row with at least one review: a flashcard rating or a quiz answer.

    Anki's rule: a streak still counts today before today's first review (it breaks only when
    a whole UTC day passes without study). Distinct days come from SQL, at most a year of them.
    """
    now = as_utc(now)
    today = day_start(now)
    since = today - timedelta(days=STREAK_LOOKBACK_DAYS)
    days_q = union(
        select(_utc_date(session, ReviewLog.reviewed_at).label("d"))
        .where(ReviewLog.user_id == user_id, ReviewLog.reviewed_at >= since),
        select(_utc_date(session, Response.answered_at).label("d"))
        .where(Response.user_id == user_id, Response.answered_at >= since),
    ).subquery()
    raw = session.scalars(select(days_q.c.d).where(days_q.c.d.is_not(None)))
    studied = {d if isinstance(d, date) else date.fromisoformat(str(d)) for d in raw}
    today_d = today.date()
    cursor = today_d if today_d in studied else today_d - timedelta(days=1)
    current = 0
    while cursor in studied:
        current += 1
        cursor -= timedelta(days=1)
    longest = run = 0
    for d in sorted(studied):
        run = run + 1 if d - timedelta(days=1) in studied else 1
        longest = max(longest, run)
    return Streak(current, today_d in studied, longest)


@dataclass(frozen=True)
class TopicOutlook:
    topic: str
    title: str
    cards: int
    studied: int
    predicted: float  # mean predicted recall of all the topic's cards on exam day (unseen = 0)
    predicted_studied: float | None  # the same over the studied cards only
    below_target_cards: int  # cards (studied or not) predicted below the target
    falls_below: bool

    @property
    def reason(self) -> str:
        if not self.falls_below:
            return "on track"
        unseen = self.cards - self.studied
        parts = [f"{unseen} card(s) never studied"] if unseen else []
        if self.predicted_studied is not None and self.below_target_cards > unseen:
            parts.append(f"{self.below_target_cards - unseen} studied card(s) fading below "
                         "target")
        return "; ".join(parts) or "below target"


def exam_outlook(
    *, session: Session, bank: QuestionBank, user_id: int, exam_date: date,
    now: datetime | None = None,
) -> list[TopicOutlook]:
    """Which topics will be below the target retention on the exam date if you stop reviewing.

    For each card, FSRS predicts its recall on the morning of the exam (00:00 UTC) from its
    current state, assuming no more reviews; a card never studied is predicted at 0. A topic
    falls below target when the mean over all its cards is below your desired retention.
    Topics without flashcards have no memory model and are left out. Weakest first.
    """
    settings = get_study_settings(session=session, user_id=user_id)
    target = settings.desired_retention
    when = max(datetime.combine(exam_date, time(0), UTC), as_utc(now))
    cards = flashcards(bank)
    scheduler = scheduler_for(settings, fuzz=False)
    per_topic: dict[str, list[float]] = {}
    for row in _card_rows(session, user_id, when):
        card = cards.get(row.card_id)
        if card is not None:
            per_topic.setdefault(card.topic, []).append(_retrievability(scheduler, row, when))
    totals: dict[str, int] = {}
    for card in cards.values():
        totals[card.topic] = totals.get(card.topic, 0) + 1
    outlook = []
    for topic, total in totals.items():
        recalls = per_topic.get(topic, [])
        predicted = sum(recalls) / total
        below = (total - len(recalls)) + sum(1 for r in recalls if r < target)
        outlook.append(TopicOutlook(
            topic, bank.topic_title(topic), total, len(recalls), predicted,
            sum(recalls) / len(recalls) if recalls else None, below, predicted < target))
    return sorted(outlook, key=lambda o: (o.predicted, o.title))

