"""What an instructor's cohort dashboard shows, computed in SQL over the cohort's own data.

Every public function takes the acting instructor and the cohort and refuses anyone who does not
teach it (:class:`trainer.services.cohorts.NotAllowed`). Only learner members count; instructors'
own answers never enter the statistics. Aggregates are GROUP BY / window-function queries; what
reaches Python is one row per learner, per learner and topic, per item or per answer pattern.

The rules, in one place (the dashboard quotes these constants):

**At risk** — a learner is flagged when any of these holds (the reasons are listed):
  1. an assignment is *missing* (past due, nothing submitted);
  2. *low scores*: the mean of the learner's assignment scores is under ``AT_RISK_AVERAGE``
     (one failed practice assignment is normal; a low average is not);
  3. *inactive*: no quiz answer, flashcard review or sign-in for ``INACTIVE_DAYS`` days.

**Mastery** of a topic for a learner is exactly what their own progress page shows
(``trainer.services.mastery.topic_mastery``; a test proves the two agree): every question and
flashcard of the topic counts once, a question with the latest score the learner got on it, a
card with its FSRS retrievability now, anything untried 0; mastery = that sum ÷ (questions +
cards). Because untried counts 0, the dashboard also shows **accuracy** (the same sum ÷ what
the learner tried) and **coverage** (the share tried): "not got" is low accuracy, "not covered
yet" is low coverage.

**Item analysis** (classical test theory, as in Moodle's quiz statistics):
  - scope: the whole cohort (each learner's mean score on the item, each learner counted once)
    or one assignment (each learner's first submitted attempt only: later attempts follow the
    feedback of the first). Flashcards are self-graded and left out; unanswered questions are
    left out (they show in completion, not as wrong answers);
  - *facility index* = mean score on the item, 0–1 (for right/wrong items the share correct;
    partial credit counts as its fraction, as Moodle does);
  - *discrimination index* = Pearson (point-biserial for right/wrong items) correlation, across
    learners, of the item score with the **rest score**: the learner's mean score on the other
    items in scope (the item itself left out, so it does not correlate with itself);
  - *distractors*: how often each option of single-choice and multiple-select items was picked
    (answers to the current wording only);
  - flags, given at least ``MIN_RESPONDENTS`` respondents: too easy (facility > 0.9), too hard
    (facility < 0.3), a distractor picked more often than the key; poor discrimination (< 0.2)
    and negative discrimination (< 0: stronger learners do worse on it — check the key) only
    when the evidence is clear, i.e. the upper end of the 90% confidence interval of the
    correlation (Fisher z) is below the limit: with 8 learners a correlation's standard error
    is about 0.4, and flagging noise would hide the questions that are really broken.

**Cohort body map** — a region's knowledge = the lower of (a) the facility of the body-map
items whose essential zone includes the region (weighted by respondents) and (b) the mean FSRS
retrievability of the learners' studied flashcards whose zone includes it (FSRS keeps cards on
schedule near 90%, so a mean would hide a region the class cannot locate), each measure counted
once it rests on ``MIN_RESPONDENTS`` answers or cards; bands: weak < 50%, shaky < 75%, solid.

**Retrievability** is FSRS's forgetting curve, computed in SQL from ``review_cards.stability``
and ``last_review``: R = (1 + F·t/S)^D with t = whole days since the last review, D = −w₂₀ and
F = 0.9^(1/D) − 1 from the fsrs package's default parameters (cards never reviewed are left out).
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import median
from typing import Any

import fsrs
from sqlalchemy import (
    Float,
    Integer,
    Text,
    and_,
    bindparam,
    case,
    cast,
    column,
    extract,
    func,
    literal,
    select,
    values,
)
from sqlalchemy.sql import ColumnElement, Select
from sqlmodel import Session

from trainer.content import QuestionBank
from trainer.content.schema import LETTERS, Hotspot, MultipleSelect, SingleChoice
from trainer.db.models import (
    Assignment,
    Attempt,
    AttemptStatus,
    CohortMember,
    LearnerItemStats,
    LearnerSettings,
    Response,
    ReviewCard,
    ReviewLog,
    User,
    utcnow,
)
from trainer.services import attempts as attempts_svc
from trainer.services.cohorts import (
    AssignmentStatus,
    NotAllowed,
    Outcome,
    assignment_status,
    counted_score,
    learner_ids,
    outcomes,
    require_learner_of,
    require_teacher,
)
from trainer.services.mastery import mastery_share

INACTIVE_DAYS = 7
AT_RISK_AVERAGE = 0.6
REVIEW_WINDOW_DAYS = 7
MIN_RESPONDENTS = 5
TOO_EASY = 0.9
TOO_HARD = 0.3
POOR_DISCRIMINATION = 0.2
CONFIDENCE_Z = 1.645  # one-sided 95%: the upper end of a two-sided 90% interval
WEAK_BAND = 0.5
SHAKY_BAND = 0.75
SCORE_BINS = 10  # score distribution: 0–10%, 10–20%, ... 90–100%

_W20 = fsrs.Scheduler().parameters[20]
FSRS_DECAY = -_W20
FSRS_FACTOR = 0.9 ** (1 / FSRS_DECAY) - 1

AT_RISK_RULE = (
    f"At risk = any of: an assignment missing (past due, nothing submitted); an average "
    f"assignment score under {AT_RISK_AVERAGE:.0%}; no quiz answer, flashcard review or "
    f"sign-in for {INACTIVE_DAYS} days.")
MASTERY_RULE = (
    "Mastery (as on each learner's progress page) = (latest score on each question of the "
    "topic + FSRS recall probability now of each flashcard) ÷ (questions + flashcards), "
    "untried counting 0. Accuracy = the same sum ÷ only what the learner tried; coverage = "
    "the share tried.")
ITEM_RULES = (
    f"Facility = mean score of each learner's first answer (share correct; partial credit "
    f"counts as its fraction). Discrimination = point-biserial (Pearson) correlation, across "
    f"learners, of the question's score with the learner's mean score on the other questions "
    f"(the question itself left out). Flags need at least {MIN_RESPONDENTS} learners: too easy "
    f"> {TOO_EASY:.0%}, too hard < {TOO_HARD:.0%}, a wrong option picked more often than the "
    f"right one; poor discrimination < {POOR_DISCRIMINATION} and negative discrimination < 0 "
    f"(check the key) only when the evidence is clear: the top of the 90% confidence "
    f"interval is below the limit (with few learners a correlation is mostly noise).")
REGION_RULE = (
    "A region's knowledge = the lower of the facility of body-map questions whose essential "
    "zone includes it and the mean FSRS recall probability of the learners' studied flashcards "
    f"whose zone includes it, each counted once it rests on {MIN_RESPONDENTS} answers or cards. "
    f"Weak < {WEAK_BAND:.0%}, shaky < {SHAKY_BAND:.0%}, solid otherwise.")


def _f(value: Any) -> float | None:
    """Numbers from either database as float (PostgreSQL returns Decimal for some averages)."""
    return None if value is None else float(value)


# --- retrievability in SQL ----------------------------------------------------------------

def fitted_decays(session: Session, user_ids: Select | Sequence[int]) -> dict[int, float]:
    """Learners whose FSRS parameters were fitted (``trainer fsrs optimize``): their own decay."""
    return {uid: -float(params[20]) for uid, params in session.execute(
        select(LearnerSettings.user_id, LearnerSettings.fsrs_parameters)
        .where(LearnerSettings.user_id.in_(user_ids),
               LearnerSettings.fsrs_parameters.is_not(None)))
        if params and len(params) > 20}


def retrievability_sql(
    session: Session, now: datetime, decays: Mapping[int, float] | None = None
) -> ColumnElement[float]:
    """FSRS retrievability of a review_cards row at ``now``, as a SQL expression.

    Matches ``fsrs.Scheduler.get_card_retrievability``: whole days elapsed (floored, never
    negative), R = (1 + F·t/S)^D, with the learner's fitted decay where ``decays`` has one and
    the default otherwise. Only valid where stability > 0 and last_review is set.
    """
    now_param = bindparam("r_now", now, type_=ReviewCard.__table__.c.last_review.type)
    if session.get_bind().dialect.name == "sqlite":
        elapsed = func.julianday(now_param) - func.julianday(ReviewCard.last_review)
        days = func.floor(func.max(elapsed, 0.0))
    else:
        elapsed = extract("epoch", now_param - ReviewCard.last_review) / 86400.0
        days = func.floor(func.greatest(elapsed, 0.0))
    if not decays:
        return func.power(1.0 + FSRS_FACTOR * days / ReviewCard.stability, FSRS_DECAY)
    decay = case({u: d for u, d in decays.items()}, value=ReviewCard.user_id, else_=FSRS_DECAY)
    factor = case({u: 0.9 ** (1 / d) - 1 for u, d in decays.items()}, value=ReviewCard.user_id,
                  else_=FSRS_FACTOR)
    return func.power(1.0 + factor * days / ReviewCard.stability, decay)


def _studied_cards() -> ColumnElement[bool]:
    return and_(ReviewCard.last_review.is_not(None), ReviewCard.stability > 0)


# --- roster, mastery, assignments ------------------------------------------------------------

@dataclass(frozen=True)
class RosterRow:
    user_id: int
    username: str
    display_name: str
    joined_at: datetime
    last_active: datetime | None
    answers: int
    accuracy: float | None  # mean latest score over the questions answered
    done: int  # submitted on time (passed or failed)
    late: int
    missing: int
    failed: int
    average_score: float | None  # mean counted score over submitted assignments
    cards_reviewed_7d: int  # distinct flashcards reviewed on the flashcard page
    reasons: tuple[str, ...]

    @property
    def at_risk(self) -> bool:
        return bool(self.reasons)


@dataclass(frozen=True)
class TopicCell:
    """One learner on one topic, in the terms of ``trainer.services.mastery.topic_mastery``."""

    user_id: int
    topic: str
    questions: int  # quiz questions of the topic in the bank (flashcards excluded)
    answered: int  # of those, answered at least once
    quiz_points: float  # sum of the latest score of each answered question
    cards: int  # flashcards of the topic in the bank
    studied: int  # of those, with an FSRS state
    recall_points: float  # sum of their retrievability now

    @property
    def mastery(self) -> float:
        """What the learner's own progress page shows: unanswered and unstudied count 0."""
        return mastery_share(self.quiz_points, self.recall_points, self.questions, self.cards)

    @property
    def accuracy(self) -> float | None:
        """How well the learner knows what they have tried (None: nothing tried)."""
        tried = self.answered + self.studied
        return (self.quiz_points + self.recall_points) / tried if tried else None

    @property
    def coverage(self) -> float:
        total = self.questions + self.cards
        return (self.answered + self.studied) / total if total else 0.0


@dataclass(frozen=True)
class TopicSummary:
    """The class on one topic; each learner who tried it weighs once."""

    topic: str
    title: str
    learners: int  # learners in the cohort
    tried: int  # learners who answered or studied anything of it
    mastery: float  # mean mastery over all learners (untried counts 0, as for the learner)
    accuracy: float | None  # mean accuracy of those who tried it
    coverage: float  # mean coverage over all learners
    struggling: int  # learners who tried it with accuracy under 50%

@dataclass(frozen=True)
class AssignmentReport:
    id: int
    title: str
    mode: str
    due_at: datetime
    pass_mark: float
    attempts_allowed: int
    learners: int
    statuses: Mapping[str, int]
    scores: tuple[float, ...]  # counted score of each learner who submitted, sorted
    histogram: tuple[int, ...]  # SCORE_BINS counts of those scores

    @property
    def submitted(self) -> int:
        return sum(self.statuses.get(s, 0) for s in (
            AssignmentStatus.passed, AssignmentStatus.failed, AssignmentStatus.late))

    @property
    def completion(self) -> float:
        return self.submitted / self.learners if self.learners else 0.0

    @property
    def mean(self) -> float | None:
        return sum(self.scores) / len(self.scores) if self.scores else None

    @property
    def median(self) -> float | None:
        return median(self.scores) if self.scores else None


@dataclass(frozen=True)
class Overview:
    roster: list[RosterRow]
    cells: list[TopicCell]
    topics: list[TopicSummary]  # weakest first
    assignments: list[AssignmentReport]
    statuses: Mapping[tuple[int, int], AssignmentStatus]  # (assignment, learner) → status
    # per learner: (questions answered, sum of first-answer scores), for item_analysis
    unit_totals: list[tuple[int, int, float]] = field(default_factory=list)


def histogram(scores: Iterable[float], bins: int = SCORE_BINS) -> tuple[int, ...]:
    """Counts per bin of width 1/bins; a perfect score falls in the top bin."""
    counts = [0] * bins
    for s in scores:
        counts[min(bins - 1, max(0, math.floor(s * bins + 1e-9)))] += 1
    return tuple(counts)


def close_overdue_exams(*, session: Session, cohort_id: int, now: datetime) -> int:
    """Submit the cohort's exam attempts whose time ran out while the learner was away.

    The learner's own next visit would do this; the dashboard does it first so that a timed-out
    exam counts as submitted (at its deadline) rather than "in progress" forever.
    """
    users = session.scalars(select(Attempt.user_id).distinct().where(
        Attempt.user_id.in_(learner_ids(cohort_id)),
        Attempt.status == AttemptStatus.in_progress, Attempt.deadline_at.is_not(None),
        Attempt.deadline_at <= now)).all()
    return sum(attempts_svc.close_overdue(session=session, user_id=u, now=now) for u in users)


def _topic_sizes(bank: QuestionBank) -> dict[str, tuple[int, int]]:
    """Per topic: (quiz questions, flashcards) in the bank: the denominators of mastery."""
    sizes: dict[str, list[int]] = {t: [0, 0] for t in bank.by_topic}
    for item in bank.items:
        sizes[item.topic][1 if item.type == "flashcard" else 0] += 1
    return {t: (q, c) for t, (q, c) in sizes.items()}


def _mastery_inputs(
    session: Session, bank: QuestionBank, users: Select | Sequence[int], now: datetime,
) -> tuple[dict[int, dict[str, tuple[int, int, float, datetime, float]]],
           dict[int, dict[str, tuple[int, float, datetime]]]]:
    """Per learner and topic: (answers, questions answered, latest points, last answer, first
    points) and
    (studied cards, retrievability sum, last review). Two GROUP BY queries over the summaries
    (learner_item_stats, review_cards); no response row is read."""
    card_ids = [i.id for i in bank.items if i.type == "flashcard"]
    stats = LearnerItemStats
    # Grouped by whether the item is a flashcard (computed once per row) rather than with a
    # CASE in every sum; the two groups are folded together below.
    is_card = stats.item_id.in_(card_ids) if card_ids else literal(False)
    answered: dict[int, dict[str, tuple[int, int, float, datetime, float]]] = defaultdict(dict)
    for uid, topic, card, n, items, points, last, first_points in session.execute(
            select(stats.user_id, stats.topic, is_card, func.sum(stats.answers), func.count(),
                   func.sum(stats.last_score), func.max(stats.last_answered_at),
                   func.sum(stats.first_score))
            .where(stats.user_id.in_(users))
            .group_by(stats.user_id, stats.topic, is_card)):
        before = answered[uid].get(topic, (0, 0, 0.0, None, 0.0))
        latest = max((d for d in (before[3], last) if d is not None), default=None)
        if card:  # flashcards count through their FSRS card, not as questions
            answered[uid][topic] = (before[0] + int(n), before[1], before[2], latest, before[4])
        else:
            answered[uid][topic] = (before[0] + int(n), before[1] + int(items),
                                    before[2] + float(points or 0.0), latest,
                                    before[4] + float(first_points or 0.0))

    recall: dict[int, dict[str, tuple[int, float, datetime]]] = defaultdict(dict)
    if card_ids:
        decays = fitted_decays(session, users)
        for uid, topic, n, r_sum, last in session.execute(
                select(ReviewCard.user_id, ReviewCard.topic, func.count(),
                       func.sum(retrievability_sql(session, now, decays)),
                       func.max(ReviewCard.last_review))
                .where(ReviewCard.user_id.in_(users), _studied_cards(),
                       ReviewCard.card_id.in_(card_ids))
                .group_by(ReviewCard.user_id, ReviewCard.topic)):
            recall[uid][topic] = (int(n), float(r_sum or 0.0), last)
    return answered, recall


def overview(
    *, session: Session, bank: QuestionBank, user_id: int, cohort_id: int,
    now: datetime | None = None,
) -> Overview:
    """Roster, topic × learner mastery and assignment reports of a cohort.

    The responses are read once: a window function picks each learner's latest answer per
    question (mastery counts the latest score) while the same GROUP BY counts all answers.
    """
    now = now or utcnow()
    require_teacher(session=session, user_id=user_id, cohort_id=cohort_id)
    close_overdue_exams(session=session, cohort_id=cohort_id, now=now)
    learners = learner_ids(cohort_id)
    people = session.execute(
        select(User.id, User.username, User.display_name, User.last_active_at,
               CohortMember.joined_at)
        .join(CohortMember, CohortMember.user_id == User.id)
        .where(CohortMember.cohort_id == cohort_id, CohortMember.role == "learner")
        .order_by(func.lower(User.display_name), User.id)).all()

    answered, recall = _mastery_inputs(session, bank, learners, now)

    since = now - timedelta(days=REVIEW_WINDOW_DAYS)
    reviewed_7d = {uid: int(n) for uid, n in session.execute(
        select(ReviewLog.user_id, func.count(func.distinct(ReviewLog.card_id)))
        .where(ReviewLog.user_id.in_(learners), ReviewLog.reviewed_at >= since,
               ReviewLog.source == "review")
        .group_by(ReviewLog.user_id))}

    tasks = list(session.scalars(select(Assignment).where(Assignment.cohort_id == cohort_id)
                                 .order_by(Assignment.due_at, Assignment.id)))
    done = outcomes(session, cohort_id=cohort_id, user_ids=learners)
    statuses: dict[tuple[int, int], AssignmentStatus] = {}
    for task in tasks:
        for person in people:
            statuses[(task.id, person.id)] = assignment_status(  # type: ignore[index]
                due_at=task.due_at, now=now, pass_mark=task.pass_mark,
                outcome=done.get((task.id, person.id)))  # type: ignore[arg-type]

    sizes = _topic_sizes(bank)
    cells: list[TopicCell] = []
    roster: list[RosterRow] = []
    unit_totals: list[tuple[int, int, float]] = []
    for person in people:
        uid = person.id
        mine_q, mine_c = answered.get(uid, {}), recall.get(uid, {})
        for topic, (questions, cards) in sizes.items():
            _, items, points, _, _ = mine_q.get(topic, (0, 0, 0.0, None, 0.0))
            studied, r_sum, _ = mine_c.get(topic, (0, 0.0, None))
            cells.append(TopicCell(uid, topic, questions, items, points, cards, studied, r_sum))
        n_all = sum(v[0] for v in mine_q.values())
        n_items = sum(v[1] for v in mine_q.values())
        if n_items:
            unit_totals.append((uid, n_items, sum(v[4] for v in mine_q.values())))
        last_answer = max((v[3] for v in mine_q.values()), default=None)
        last_review = max((v[2] for v in mine_c.values()), default=None)
        cards_7d = reviewed_7d.get(uid, 0)
        last_active = max((d for d in (last_answer, last_review, person.last_active_at) if d),
                          default=None)
        mine = [statuses[(a.id, uid)] for a in tasks]  # type: ignore[index]
        count = {s: mine.count(s) for s in AssignmentStatus}
        scored = [s for a in tasks if (s := counted_score(done.get((a.id, uid)))) is not None]  # type: ignore[arg-type]
        average = sum(scored) / len(scored) if scored else None
        reasons = at_risk_reasons(missing=count[AssignmentStatus.missing], average=average,
                                  last_active=last_active, now=now)
        roster.append(RosterRow(
            uid, person.username, person.display_name, person.joined_at, last_active, n_all,
            sum(v[2] for v in mine_q.values()) / n_items if n_items else None,
            count[AssignmentStatus.passed] + count[AssignmentStatus.failed],
            count[AssignmentStatus.late], count[AssignmentStatus.missing],
            count[AssignmentStatus.failed],
            average, cards_7d, reasons))

    summaries = [_topic_summary(bank, t, [c for c in cells if c.topic == t], len(people))
                 for t in sizes]
    summaries.sort(key=lambda s: (s.accuracy if s.accuracy is not None else 2.0, s.title))
    reports = [_report(task, people, statuses, done) for task in tasks]
    return Overview(roster, cells, summaries, reports, statuses, unit_totals)


def _topic_summary(bank: QuestionBank, topic: str, cells: Sequence[TopicCell],
                   learners: int) -> TopicSummary:
    tried = [c for c in cells if c.accuracy is not None]
    return TopicSummary(
        topic, bank.topic_title(topic), learners, len(tried),
        sum(c.mastery for c in cells) / learners if learners else 0.0,
        sum(c.accuracy for c in tried) / len(tried) if tried else None,  # type: ignore[misc]
        sum(c.coverage for c in cells) / learners if learners else 0.0,
        sum(1 for c in tried if c.accuracy is not None and c.accuracy < 0.5))


def at_risk_reasons(
    *, missing: int, average: float | None, last_active: datetime | None, now: datetime
) -> tuple[str, ...]:
    """The at-risk rule (see AT_RISK_RULE), as the reasons that apply."""
    reasons = []
    if missing:
        reasons.append(f"{missing} missing")
    if average is not None and average < AT_RISK_AVERAGE - 1e-9:
        reasons.append(f"average {average:.0%}")
    if last_active is None:
        reasons.append("never active")
    elif now - last_active >= timedelta(days=INACTIVE_DAYS):
        reasons.append(f"inactive {(now - last_active).days} days")
    return tuple(reasons)


def _report(task: Assignment, people: Sequence[Any],
            statuses: Mapping[tuple[int, int], AssignmentStatus],
            done: Mapping[tuple[int, int], Outcome]) -> AssignmentReport:
    counts: dict[str, int] = dict.fromkeys(AssignmentStatus, 0)
    scores = []
    for person in people:
        counts[statuses[(task.id, person.id)]] += 1  # type: ignore[index]
        score = counted_score(done.get((task.id, person.id)))  # type: ignore[arg-type]
        if score is not None:
            scores.append(score)
    scores.sort()
    return AssignmentReport(task.id, task.title, task.mode, task.due_at,  # type: ignore[arg-type]
                            task.pass_mark, task.attempts_allowed, len(people), counts,
                            tuple(scores), histogram(scores))


# --- item analysis ---------------------------------------------------------------------------

@dataclass(frozen=True)
class OptionStat:
    letter: str
    text: str
    correct: bool
    picks: int
    share: float  # of the answers to the current wording


@dataclass(frozen=True)
class ItemStat:
    item_id: str
    type: str
    topic: str
    prompt: str
    respondents: int  # learners (cohort scope) or first attempts (assignment scope)
    answers: int  # responses, repeats included
    facility: float  # mean first-answer score of the respondents
    fully_correct: float  # share of respondents whose first answer was fully right
    discrimination: float | None
    mean_seconds: float | None
    all_answers_score: float  # mean score over every answer, repeats included (learning shows)
    options: tuple[OptionStat, ...] = ()
    flags: tuple[str, ...] = field(default=())


def pearson(n: int, sx: float, sy: float, sxy: float, sxx: float, syy: float) -> float | None:
    """Correlation from the sums SQL returns; None when undefined (n < 2 or no spread)."""
    if n < 2:
        return None
    cov = n * sxy - sx * sy
    vx, vy = n * sxx - sx * sx, n * syy - sy * sy
    if vx <= 1e-12 or vy <= 1e-12:
        return None
    return max(-1.0, min(1.0, cov / math.sqrt(vx * vy)))


def discrimination_upper(r: float | None, n: int) -> float | None:
    """Upper end of the 90% confidence interval of a correlation (Fisher z-transform).

    With few learners a correlation is mostly noise (8 learners: standard error ≈ 0.4), so a
    question is flagged for discrimination only when even this upper end is under the
    threshold: the data then make the problem clear, whatever the class size.
    """
    if r is None or n < 4:
        return None
    z = math.atanh(max(-0.999999, min(0.999999, r)))
    return math.tanh(z + CONFIDENCE_Z / math.sqrt(n - 3))


def item_flags(
    *, respondents: int, facility: float, discrimination: float | None,
    options: Sequence[OptionStat] = (), pairs: int | None = None,
) -> tuple[str, ...]:
    """The flags of ITEM_RULES; none below MIN_RESPONDENTS (too little data to judge).

    ``pairs`` is the number of respondents the discrimination was computed over (those with
    other answers too); it defaults to ``respondents``.
    """
    if respondents < MIN_RESPONDENTS:
        return ()
    flags = []
    upper = discrimination_upper(discrimination, pairs if pairs is not None else respondents)
    if upper is not None and upper < 0:
        flags.append("negative discrimination: check the key")
    elif upper is not None and upper < POOR_DISCRIMINATION:
        flags.append("poor discrimination")
    right = [o.picks for o in options if o.correct]
    if right and any(not o.correct and o.picks > min(right) for o in options):
        flags.append("a distractor beats the key")
    if facility < TOO_HARD:
        flags.append("too hard")
    elif facility > TOO_EASY:
        flags.append("too easy")
    return tuple(flags)


FLAG_ORDER = ("negative discrimination: check the key", "a distractor beats the key",
              "too hard", "poor discrimination", "too easy")


def _first_attempts(assignment_id: int, learners: Select) -> Select:
    ranked = (
        select(Attempt.id, func.row_number().over(
            partition_by=Attempt.user_id, order_by=(Attempt.finished_at, Attempt.id)).label("rn"))
        .where(Attempt.assignment_id == assignment_id,
               Attempt.status != AttemptStatus.in_progress, Attempt.user_id.in_(learners))
        .subquery("ranked"))
    return select(ranked.c.id).where(ranked.c.rn == 1)


def _unit_totals_sql(units: Sequence[tuple[int, int, float]]) -> Any:
    """Per unit the rest-score line y = b - a·x (a = 1/(k-1), b = sum/(k-1); NULL when the
    unit answered one item only), as a small VALUES table joined into the scan: two
    operations per row instead of a division by a computed count."""
    rows = [(u, 1.0 / (k - 1), sx / (k - 1)) if k > 1 else (u, None, None)
            for u, k, sx in units]
    return (values(column("unit", Integer), column("a", Float), column("b", Float),
                   name="totals").data(rows).cte("totals"))


def learner_totals(*, session: Session, bank: QuestionBank, cohort_id: int
                   ) -> list[tuple[int, int, float]]:
    """Per learner: questions answered and the sum of their first-answer scores (flashcards
    excluded): the totals the rest score is computed from. Internal: callers check access."""
    s = LearnerItemStats
    cards = [i.id for i in bank.items if i.type == "flashcard"]
    where = [s.user_id.in_(learner_ids(cohort_id))] + ([s.item_id.not_in(cards)] if cards else [])
    return [(int(u), int(k), float(sx)) for u, k, sx in session.execute(
        select(s.user_id, func.count(), func.sum(cast(s.first_score, Float)))
        .where(*where).group_by(s.user_id))]


def _item_rows(
    session: Session, bank: QuestionBank, cohort_id: int, assignment_id: int | None,
    unit_totals: Sequence[tuple[int, int, float]] | None,
) -> list[Any]:
    """One scan: per (item, "wording-hash|answer") group of a choice item (one group per other
    item) the partial sums of facility and of the rest-score correlation. Partial sums add up,
    so Python folds the groups of an item into its totals; the answers count the options.

    Cohort scope: one unit per learner, each learner's *first* answer to the item (from the
    summary table). Assignment scope: one unit per learner's first submitted attempt.
    """
    learners = learner_ids(cohort_id)
    cards = [i.id for i in bank.items if i.type == "flashcard"]
    choice = [i.id for i in bank.items if isinstance(i, SingleChoice | MultipleSelect)]
    if assignment_id is None:
        s = LearnerItemStats
        if unit_totals is None:
            unit_totals = learner_totals(session=session, bank=bank, cohort_id=cohort_id)
        if not unit_totals:
            return []
        totals: Any = _unit_totals_sql(unit_totals)
        unit, item_id, content_hash = s.user_id, s.item_id, s.first_content_hash
        x, answer = cast(s.first_score, Float), cast(s.first_answer, Text)
        c = case((s.first_correct, 1.0), else_=0.0)
        n, points, tms, tn = s.answers, cast(s.points, Float), s.time_ms_sum, s.time_ms_count
        where: list[ColumnElement[bool]] = []
        source: Any = s
    else:
        r = Response
        where = [r.attempt_id.in_(_first_attempts(assignment_id, learners))]
        if cards:
            where.append(r.item_id.not_in(cards))
        # one response per (attempt, item): the unique constraint makes each row one unit-item
        k = func.count() - 1
        totals = (select(r.attempt_id.label("unit"),
                         (1.0 / func.nullif(k, 0)).label("a"),
                         (func.sum(cast(r.score, Float)) / func.nullif(k, 0)).label("b"))
                  .where(*where).group_by(r.attempt_id).subquery("totals"))
        unit, item_id, content_hash = r.attempt_id, r.item_id, r.content_hash
        x, answer = cast(r.score, Float), cast(r.answer, Text)
        c = case((r.correct, 1.0), else_=0.0)
        n, points = literal(1), cast(r.score, Float)
        tms, tn = func.coalesce(r.time_ms, 0), case((r.time_ms.is_(None), 0), else_=1)
        source = r
    if cards and assignment_id is None:
        where.append(item_id.not_in(cards))
    # one group per answer (with its wording's hash) for choice items, one per other item
    answer_key = case((item_id.in_(choice), content_hash + "|" + answer), else_=None) \
        if choice else literal(None)
    # explicit casts: a VALUES column of NULLs only (every unit answered one item) would
    # otherwise be typed text by PostgreSQL
    a, b = cast(totals.c.a, Float), cast(totals.c.b, Float)
    y = b - a * x  # the unit's mean over its other items (NULL: none)
    x_y = case((a.is_not(None), x))  # x where the unit has a rest score
    return list(session.execute(
        select(item_id, answer_key, func.count(), func.sum(x), func.sum(c),
               func.sum(n), func.sum(points), func.sum(tms), func.sum(tn), func.count(y),
               func.sum(x_y), func.sum(y), func.sum(x_y * y), func.sum(x_y * x_y),
               func.sum(y * y))
        .select_from(source).join(totals, totals.c.unit == unit).where(*where)
        .group_by(item_id, answer_key)))


def item_analysis(
    *, session: Session, bank: QuestionBank, user_id: int, cohort_id: int,
    assignment_id: int | None = None, now: datetime | None = None,
    unit_totals: Sequence[tuple[int, int, float]] | None = None,
) -> list[ItemStat]:
    """Facility, discrimination, distractors and flags of every question the scope answered.

    ``unit_totals`` may pass the learners' totals (``Overview.unit_totals``) to save a scan.
    Sorted with flagged questions first (most serious flag first), then by facility.
    """
    require_teacher(session=session, user_id=user_id, cohort_id=cohort_id)
    if assignment_id is not None:
        owner = session.scalar(select(Assignment.cohort_id).where(Assignment.id == assignment_id))
        if owner != cohort_id:
            raise NotAllowed("That assignment is not part of this cohort.")
        close_overdue_exams(session=session, cohort_id=cohort_id, now=now or utcnow())
    sums: dict[str, list[float]] = {}
    picks: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for item_id, answer_key, *partial in _item_rows(
            session, bank, cohort_id, assignment_id, unit_totals):
        acc = sums.setdefault(item_id, [0.0] * len(partial))
        for i, v in enumerate(partial):
            acc[i] += float(v or 0)
        if answer_key is not None:
            picks[item_id][answer_key] += int(partial[0])
    result = []
    for item_id, (resp, sx_all, s_c, n_ans, points, tms, tn, m, sx, sy, sxy, sxx,
                  syy) in sums.items():  # m, sx, ...: over the units with a rest score
        item = bank.by_id.get(item_id)
        if item is None:
            continue  # retired from the bank: nothing to show or fix
        resp_n, answers = int(resp), int(n_ans)
        facility = sx_all / resp_n
        disc = pearson(int(m), sx, sy, sxy, sxx, syy)
        opts = _options(item, picks.get(item_id, {}))
        result.append(ItemStat(
            item_id, item.type, item.topic, prompt_of(item), resp_n, answers, facility,
            s_c / resp_n, disc, tms / tn / 1000 if tn else None,
            points / answers if answers else 0.0, opts,
            item_flags(respondents=resp_n, facility=facility, discrimination=disc, options=opts,
                       pairs=int(m))))
    rank = {f: i for i, f in enumerate(FLAG_ORDER)}
    return sorted(result, key=lambda s: (
        min((rank.get(f, 9) for f in s.flags), default=99), s.facility, s.item_id))


def _options(item: Any, groups: Mapping[str, int]) -> tuple[OptionStat, ...]:
    """Picks per option from the answer groups of the current wording (older wordings may have
    had other options, so they are left out)."""
    if not isinstance(item, SingleChoice | MultipleSelect):
        return ()
    per_option = [0] * len(item.options)
    total = 0
    prefix = f"{item.content_hash}|"
    for key, n in groups.items():
        if not key.startswith(prefix):
            continue
        try:
            answer = json.loads(key[len(prefix):])
        except ValueError:
            continue
        chosen = [answer] if isinstance(answer, int) else answer if isinstance(answer, list) else []
        for index in chosen:
            if isinstance(index, int) and not isinstance(index, bool) \
                    and 0 <= index < len(per_option):
                per_option[index] += n
        total += n
    if not total:
        return ()
    keys = {item.answer_index} if isinstance(item, SingleChoice) else set(item.answer_indices)
    return tuple(OptionStat(LETTERS[i], text, i in keys, per_option[i], per_option[i] / total)
                 for i, text in enumerate(item.options))


def prompt_of(item: Any) -> str:
    return getattr(item, "prompt", None) or getattr(item, "statement", None) \
        or getattr(item, "front", "")


# --- cohort body map ---------------------------------------------------------------------------

@dataclass(frozen=True)
class RegionStat:
    region: str
    label: str
    hotspot_items: int
    hotspot_respondents: int
    facility: float | None
    cards: int  # studied (learner, card) pairs
    retrievability: float | None

    @property
    def knowledge(self) -> float | None:
        """The weaker of the two measures: a region is only as solid as its weaker side
        (FSRS keeps the recall of cards on schedule near 90% by design, so a mean would hide
        a region the class cannot locate on the map). A measure resting on fewer than
        MIN_RESPONDENTS answers or studied cards is too thin to shade the map and is left out."""
        present = [v for v, n in ((self.facility, self.hotspot_respondents),
                                  (self.retrievability, self.cards))
                   if v is not None and n >= MIN_RESPONDENTS]
        return min(present) if present else None

    @property
    def band(self) -> str:
        k = self.knowledge
        if k is None:
            return "none"
        return "weak" if k < WEAK_BAND else "shaky" if k < SHAKY_BAND else "solid"


def region_knowledge(
    *, session: Session, bank: QuestionBank, user_id: int, cohort_id: int,
    items: Sequence[ItemStat] | None = None, now: datetime | None = None,
) -> list[RegionStat]:
    """Per body region: body-map facility and flashcard retrievability of the cohort.

    ``items`` may pass a cohort-scope item analysis already computed for the page.
    """
    now = now or utcnow()
    require_teacher(session=session, user_id=user_id, cohort_id=cohort_id)
    if items is None:
        items = item_analysis(session=session, bank=bank, user_id=user_id, cohort_id=cohort_id)
    hotspot_stats = {s.item_id: s for s in items if s.type == "hotspot"}
    linked_cards: dict[str, list[str]] = defaultdict(list)  # card id → regions
    for item in bank.items:
        if item.type == "flashcard" and item.regions is not None:  # type: ignore[union-attr]
            linked_cards[item.id] = list(item.regions.essential)  # type: ignore[union-attr]
    card_recall: dict[str, tuple[int, float]] = {}
    if linked_cards:
        for card_id, n, r_sum in session.execute(
                select(ReviewCard.card_id, func.count(), func.sum(retrievability_sql(session, now)))
                .where(ReviewCard.user_id.in_(learner_ids(cohort_id)), _studied_cards(),
                       ReviewCard.card_id.in_(list(linked_cards)))
                .group_by(ReviewCard.card_id)):
            card_recall[card_id] = (int(n), float(r_sum or 0.0))

    acc: dict[str, list[float]] = defaultdict(lambda: [0, 0, 0.0, 0, 0.0])
    for item in bank.items:
        if isinstance(item, Hotspot) and item.id in hotspot_stats:
            stat = hotspot_stats[item.id]
            for region in item.regions.essential:
                a = acc[region]
                a[0] += 1
                a[1] += stat.respondents
                a[2] += stat.facility * stat.respondents
    for card_id, regions in linked_cards.items():
        if card_id in card_recall:
            n, r_sum = card_recall[card_id]
            for region in regions:
                acc[region][3] += n
                acc[region][4] += r_sum
    result = []
    for name, region in bank.regions.items():
        items_n, resp, f_sum, cards, r_sum = acc.get(name, [0, 0, 0.0, 0, 0.0])
        result.append(RegionStat(name, region.label, int(items_n), int(resp),
                                 f_sum / resp if resp else None, int(cards),
                                 r_sum / cards if cards else None))
    return result


# --- one learner -------------------------------------------------------------------------------

@dataclass(frozen=True)
class AttemptRow:
    id: int
    title: str
    mode: str
    status: str
    assignment_id: int | None
    started_at: datetime
    finished_at: datetime | None
    answered: int
    questions: int
    score: float | None  # share


@dataclass(frozen=True)
class LearnerDetail:
    user_id: int
    username: str
    display_name: str
    attempts: list[AttemptRow]
    topics: list[TopicCell]
    assignments: list[tuple[str, AssignmentStatus, float | None]]
    reviews_by_day: list[tuple[str, int]]  # last 28 days, flashcard-page reviews per day


def learner_detail(
    *, session: Session, bank: QuestionBank, user_id: int, cohort_id: int, learner_id: int,
    now: datetime | None = None,
) -> LearnerDetail:
    """One learner's history for a teacher of one of their cohorts."""
    now = now or utcnow()
    person = require_learner_of(session=session, user_id=user_id, cohort_id=cohort_id,
                                learner_id=learner_id)
    counts = (select(Response.attempt_id, func.count().label("n"))
              .where(Response.user_id == learner_id).group_by(Response.attempt_id)
              .subquery("counts"))
    attempts = [AttemptRow(a.id, a.title, a.mode, a.status, a.assignment_id, a.started_at,  # type: ignore[arg-type]
                           a.finished_at, int(n or 0), len(a.item_ids),
                           (a.score / a.max_score) if a.max_score else None)
                for a, n in session.execute(
                    select(Attempt, counts.c.n).outerjoin(counts, counts.c.attempt_id == Attempt.id)
                    .where(Attempt.user_id == learner_id)
                    .order_by(Attempt.started_at.desc(), Attempt.id.desc()).limit(200))]
    answered, recall = _mastery_inputs(session, bank, [learner_id], now)
    mine_q, mine_c = answered.get(learner_id, {}), recall.get(learner_id, {})
    cells = []
    for topic, (questions, cards) in sorted(_topic_sizes(bank).items(),
                                            key=lambda kv: bank.topic_title(kv[0])):
        _, items, points, _, _ = mine_q.get(topic, (0, 0, 0.0, None, 0.0))
        studied, r_sum, _ = mine_c.get(topic, (0, 0.0, None))
        cells.append(TopicCell(learner_id, topic, questions, items, points, cards, studied, r_sum))
    tasks = list(session.scalars(select(Assignment).where(Assignment.cohort_id == cohort_id)
                                 .order_by(Assignment.due_at, Assignment.id)))
    done = outcomes(session, cohort_id=cohort_id, user_ids=[learner_id])
    assignment_rows = []
    for task in tasks:
        outcome = done.get((task.id, learner_id))  # type: ignore[arg-type]
        assignment_rows.append((task.title, assignment_status(
            due_at=task.due_at, now=now, pass_mark=task.pass_mark, outcome=outcome),
            counted_score(outcome)))
    since = now - timedelta(days=28)
    day = func.date(ReviewLog.reviewed_at) if session.get_bind().dialect.name == "sqlite" \
        else func.to_char(func.timezone("UTC", ReviewLog.reviewed_at), "YYYY-MM-DD")
    by_day = [(str(d), int(n)) for d, n in session.execute(
        select(day, func.count()).where(ReviewLog.user_id == learner_id,
                                        ReviewLog.reviewed_at >= since,
                                        ReviewLog.source == "review")
        .group_by(day).order_by(day))]
    return LearnerDetail(learner_id, person.username, person.display_name, attempts, cells,
                         assignment_rows, by_day)


@dataclass(frozen=True)
class AnswerRow:
    item_id: str
    prompt: str
    answer: Any
    correct: bool
    score: float
    time_ms: int | None
    answered_at: datetime


def attempt_answers(
    *, session: Session, bank: QuestionBank, user_id: int, cohort_id: int, attempt_id: int,
) -> list[AnswerRow]:
    """Every answer of one attempt of one of the cohort's learners, in the quiz's order."""
    attempt = session.get(Attempt, attempt_id)
    if attempt is None:
        raise NotAllowed("That attempt does not exist.")
    require_learner_of(session=session, user_id=user_id, cohort_id=cohort_id,
                       learner_id=attempt.user_id)
    stored = {r.item_id: r for r in session.scalars(
        select(Response).where(Response.attempt_id == attempt_id))}
    rows = []
    for item_id in attempt.item_ids:
        r = stored.get(item_id)
        item = bank.by_id.get(item_id)
        rows.append(AnswerRow(item_id, prompt_of(item) if item else "(removed from the bank)",
                              r.answer if r else None, bool(r and r.correct),
                              r.score if r else 0.0, r.time_ms if r else None,
                              r.answered_at if r else attempt.started_at))
    return rows


# --- the summary table's definition, as a query ---------------------------------------------------

STATS_COLUMNS = ("topic", "answers", "points", "correct_answers", "time_ms_sum", "time_ms_count",
                 "first_response_id", "first_answered_at", "first_content_hash", "first_answer",
                 "first_score", "first_correct", "last_response_id", "last_answered_at",
                 "last_score")


def recompute_item_stats(session: Session) -> dict[tuple[int, str], tuple[Any, ...]]:
    """learner_item_stats recomputed from the raw responses (window functions), keyed by
    (user, item), values in STATS_COLUMNS order. The triggers must always leave the table equal
    to this; tests compare the two after every kind of write."""
    r = Response
    first = func.row_number().over(partition_by=(r.user_id, r.item_id),
                                   order_by=(r.answered_at, r.id))
    last = func.row_number().over(partition_by=(r.user_id, r.item_id),
                                  order_by=(r.answered_at.desc(), r.id.desc()))
    ranked = select(r, first.label("fn"), last.label("ln")).subquery("ranked")
    totals = (select(r.user_id, r.item_id, func.count().label("answers"),
                     func.sum(r.score).label("points"),
                     func.sum(case((r.correct, 1), else_=0)).label("correct_answers"),
                     func.coalesce(func.sum(r.time_ms), 0).label("time_ms_sum"),
                     func.count(r.time_ms).label("time_ms_count"))
              .group_by(r.user_id, r.item_id).subquery("totals"))
    f, last_row = ranked.alias("f"), ranked.alias("l")
    rows = session.execute(
        select(totals.c.user_id, totals.c.item_id, last_row.c.topic, totals.c.answers,
               totals.c.points, totals.c.correct_answers, totals.c.time_ms_sum,
               totals.c.time_ms_count, f.c.id, f.c.answered_at, f.c.content_hash, f.c.answer,
               f.c.score, f.c.correct, last_row.c.id, last_row.c.answered_at, last_row.c.score)
        .join(f, and_(f.c.user_id == totals.c.user_id, f.c.item_id == totals.c.item_id,
                      f.c.fn == 1))
        .join(last_row, and_(last_row.c.user_id == totals.c.user_id,
                             last_row.c.item_id == totals.c.item_id, last_row.c.ln == 1)))
    return {(u, i): _stats_values(rest) for u, i, *rest in rows}


def stored_item_stats(session: Session) -> dict[tuple[int, str], tuple[Any, ...]]:
    """The trigger-maintained table in the same shape as ``recompute_item_stats``."""
    s = LearnerItemStats
    rows = session.execute(select(s.user_id, s.item_id, *(getattr(s, c) for c in STATS_COLUMNS)))
    return {(u, i): _stats_values(rest) for u, i, *rest in rows}


def _stats_values(values: Sequence[Any]) -> tuple[Any, ...]:
    """Normalised for comparison: numbers as rounded floats, booleans as bools."""
    out: list[Any] = []
    for name, value in zip(STATS_COLUMNS, values, strict=True):
        if name in ("points", "first_score", "last_score"):
            value = round(float(value), 9)
        elif name in ("answers", "correct_answers", "time_ms_sum", "time_ms_count",
                      "first_response_id", "last_response_id"):
            value = int(value)
        elif name == "first_correct":
            value = bool(value)
        out.append(value)
    return tuple(out)
