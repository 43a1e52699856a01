"""Demo data so that a fresh `make run` can be tried at once (README lists the sign-ins).

Besides the two demo accounts, a demo class: the cohort "NMT Level 1" taught by
demo-instructor, with demo-learner and seven classmates who have six weeks of history behind
them — six assignments (one a timed exam), their own practice quizzes, and flashcard sessions.
Everything is written through the real services (``cohorts.start_assignment``,
``attempts.record_answer``, ``review.answer_card``) with the clock moved back, day by day, so
the stored rows are exactly what six weeks of use would have left: FSRS states come from py-fsrs,
late work is late because it was handed in after the due date, and so on.

The learners differ on purpose, so the dashboard has something to say: a strong and diligent
learner, one who stopped coming ten days ago, two who struggle (one also misses work), one who
hands in late. The class as a whole is weaker on hip and thigh referral zones and on
perpetuating factors. Answers are drawn at random (seeded, so every seed gives the same class)
with a chance of being right that depends on the learner, the item's difficulty and the topic.

Idempotent: accounts that exist are kept; the class is created only when the demo cohort does
not exist yet.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from trainer.content import ContentInvalid, QuestionBank, load_bank
from trainer.content.schema import AnyItem
from trainer.db.models import Cohort, CohortMember, ReviewCard, Role, User, utcnow
from trainer.services import attempts, cohorts, review
from trainer.services.auth import create_user, get_user
from trainer.services.scoring import correct_answer

DEMO_ACCOUNTS: tuple[tuple[str, str, str, str], ...] = (
    # username, password, display name, role
    ("demo-learner", "learner-demo-2026", "Demo Learner", Role.learner),
    ("demo-instructor", "instructor-demo-2026", "Demo Instructor", Role.instructor),
)
CLASS_PASSWORD = "classmate-demo-2026"
COHORT_NAME = "NMT Level 1"
COHORT_TERM = "Spring 2026"
TERM_DAYS = 45
SEED = 2026


@dataclass(frozen=True)
class Persona:
    username: str
    name: str
    ability: float  # chance of a right answer on a medium question
    plan: str  # one letter per assignment: o on time, l late, m missing, r retry after a fail,
    #            p in progress (started, not finished), - not started yet
    practice: float  # own practice quizzes per week
    cards: float  # flashcard sessions per week
    quiet_days: int = 0  # no activity at all in the last N days


CLASS: tuple[Persona, ...] = (
    Persona("demo-learner", "Demo Learner", 0.72, "ooool-", 1.0, 1.5, 1),
    Persona("demo-amara", "Amara Okafor", 0.88, "oooooo", 1.5, 3.0),
    Persona("demo-ben", "Ben Carter", 0.66, "ooloo-", 1.0, 0.5),
    Persona("demo-chloe", "Chloé Martin", 0.80, "oooom-", 1.0, 2.0, 11),
    Persona("demo-dev", "Dev Patel", 0.45, "orooop", 1.5, 1.5),
    Persona("demo-elif", "Elif Yılmaz", 0.70, "ooooo-", 1.0, 3.0),
    Persona("demo-finn", "Finn O'Brien", 0.42, "omllm-", 0.5, 0.5, 9),
    Persona("demo-grace", "Grace Liu", 0.82, "oooolo", 1.0, 1.5),
)


@dataclass(frozen=True)
class Homework:
    title: str
    mode: str
    due_days: float  # due this many days after the term started
    topics: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    count: int = 10
    attempts_allowed: int = 2
    minutes: int | None = None


HOMEWORK: tuple[Homework, ...] = (
    Homework("Week 1: principles and palpation", "practice", 9, ("principles", "palpation")),
    Homework("Week 2: safety and endangerment sites", "practice", 16, ("safety",)),
    Homework("Week 3: neck and shoulder trigger points", "practice", 23, ("atlas",),
             ("neck", "shoulder-girdle"), 12),
    Homework("Mid-term exam", "exam", 30, ("trigger-points", "techniques", "assessment",
                                           "safety"), (), 20, 1, 30),
    Homework("Week 5: hip and thigh referral zones", "practice", 41, ("atlas",),
             ("hip-pelvis", "thigh"), 12),
    Homework("Week 6: perpetuating factors and self-care", "practice", 49,
             ("perpetuating-factors", "self-care")),
)
# Where the class as a whole is weaker (added to every learner's chance of a right answer).
CLASS_WEAKNESS: dict[str, float] = {"hip-pelvis": -0.35, "thigh": -0.3,
                                    "perpetuating-factors": -0.15}
DIFFICULTY_SHIFT = {"easy": 0.1, "medium": 0.0, "hard": -0.15}


def seed_demo(
    *, session: Session, bank: QuestionBank | None = None, now: datetime | None = None
) -> list[str]:
    """Create the demo accounts and the demo class that are missing; a second run changes
    nothing. Returns what was created."""
    created = []
    for username, password, display_name, role in DEMO_ACCOUNTS:
        if get_user(session=session, username=username) is None:
            create_user(session=session, username=username, password=password,
                        display_name=display_name, role=role)
            created.append(username)
    instructor = get_user(session=session, username="demo-instructor")
    assert instructor is not None
    if session.scalar(select(Cohort.id).where(Cohort.name == COHORT_NAME,
                                              Cohort.created_by == instructor.id)) is not None:
        return created
    if bank is None:
        from trainer.settings import get_settings

        try:
            bank = load_bank(get_settings().content_dir)
        except ContentInvalid:
            return created  # no valid bank, no class: the accounts still work
    if not _class_items_exist(bank):
        return created  # a bank without the topics the class works on (e.g. a test bank)
    _seed_class(session, bank, instructor.id, now or utcnow())
    created.append(f"cohort {COHORT_NAME!r} with {len(CLASS)} learners")
    return created


def _class_items_exist(bank: QuestionBank) -> bool:
    return all(any(t in bank.by_topic for t in hw.topics) for hw in HOMEWORK)


# --- simulated answers -------------------------------------------------------------------------

def plausible_wrong_answer(item: AnyItem, rng: random.Random) -> Any:
    """A wrong answer of the right shape, as learners give them: one option more popular than
    the others, a region of the zone missed or one beside it, two steps swapped."""
    key = correct_answer(item)
    match item.type:
        case "single_choice":
            others = [i for i in range(len(item.options)) if i != key]  # type: ignore[union-attr]
            return rng.choices(others, weights=[3] + [1] * (len(others) - 1))[0]
        case "multiple_select":
            options = range(len(item.options))  # type: ignore[union-attr]
            wrong = [i for i in options if i not in key]
            picked = set(key)
            if len(picked) > 1 and rng.random() < 0.5:
                picked.discard(rng.choice(sorted(picked)))
            if wrong:
                picked.add(rng.choice(wrong))
            return sorted(picked)
        case "true_false":
            return not key
        case "matching":
            rights = [p.right for p in item.pairs]  # type: ignore[union-attr]
            i, j = rng.sample(range(len(rights)), 2)
            rights[i], rights[j] = rights[j], rights[i]
            return {p.left: r for p, r in zip(item.pairs, rights, strict=True)}  # type: ignore[union-attr]
        case "ordering":
            steps = list(item.steps)  # type: ignore[union-attr]
            i = rng.randrange(len(steps) - 1)
            steps[i], steps[i + 1] = steps[i + 1], steps[i]
            return steps
        case "short_answer":
            return rng.choice(["not sure", "trigger point", "referred pain"])
        case "hotspot":
            essential = sorted(item.regions.essential)  # type: ignore[union-attr]
            if len(essential) > 1 and rng.random() < 0.4:
                essential.remove(rng.choice(essential))  # part of the zone
                return essential
            zone = item.regions.all  # type: ignore[union-attr]
            beside = [r for r in ("lumbar-paraspinal", "buttock", "lateral-shoulder",
                                  "posterior-thigh", "anterior-shoulder") if r not in zone]
            return rng.sample(beside, 2)  # the wrong place altogether
        case "flashcard":
            return False
    raise ValueError(f"no wrong answer for {item.type}")


def right_answer(item: AnyItem) -> Any:
    if item.type == "hotspot":
        return sorted(item.regions.all)  # type: ignore[union-attr]
    return correct_answer(item)


def chance(persona: Persona, item: AnyItem, day: float) -> float:
    weakness = CLASS_WEAKNESS.get(item.topic, 0.0) + min(
        (CLASS_WEAKNESS.get(t, 0.0) for t in item.tags), default=0.0)
    learning = 0.08 * day / TERM_DAYS  # the class improves a little over the term
    return min(0.97, max(0.05, persona.ability + DIFFICULTY_SHIFT[item.difficulty]
                         + weakness + learning))


# --- the class -----------------------------------------------------------------------------------

def _seed_class(session: Session, bank: QuestionBank, instructor_id: int, now: datetime) -> None:
    rng = random.Random(SEED)
    start = (now - timedelta(days=TERM_DAYS)).replace(hour=9, minute=0, second=0, microsecond=0)
    cohort = cohorts.create_cohort(session=session, user_id=instructor_id, name=COHORT_NAME,
                                   term=COHORT_TERM)
    cohort.created_at = start
    tasks = []
    for n, hw in enumerate(HOMEWORK):
        topics = [t for t in hw.topics if t in bank.by_topic]
        task = cohorts.create_assignment(
            session=session, bank=bank, user_id=instructor_id, cohort_id=cohort.id,  # type: ignore[arg-type]
            title=hw.title, due_at=start + timedelta(days=hw.due_days, hours=14),
            topics=topics, tags=hw.tags, count=hw.count, same_for_everyone=True,
            mode=hw.mode, attempts_allowed=hw.attempts_allowed, pass_mark=0.7,
            minutes=hw.minutes, seed=SEED + n)
        task.created_at = start + timedelta(days=max(0, hw.due_days - 8))
        tasks.append(task)
    people = []
    for persona in CLASS:
        user = get_user(session=session, username=persona.username)
        if user is None:
            user = create_user(session=session, username=persona.username, password=CLASS_PASSWORD,
                               display_name=persona.name)
        cohorts.join_cohort(session=session, user_id=user.id, code=cohort.join_code)
        people.append((persona, user.id))
    session.flush()
    for member in session.scalars(select(CohortMember).where(
            CohortMember.cohort_id == cohort.id)):
        member.joined_at = start + timedelta(hours=rng.uniform(0, 60))
    for _, user_id in people:
        row = session.get(User, user_id)
        if row is not None and row.created_at > start:
            row.created_at = start - timedelta(days=rng.uniform(1, 5))
    for persona, user_id in people:
        _simulate(session, bank, rng, persona, user_id, tasks, start, now)
        last = None if persona.quiet_days >= TERM_DAYS else now - timedelta(
            days=persona.quiet_days, hours=rng.uniform(1, 20))
        row = session.get(User, user_id)
        if row is not None:
            row.last_active_at = last
    session.flush()


def _plan_events(rng: random.Random, persona: Persona, tasks: Sequence[Any], start: datetime,
                 now: datetime) -> list[tuple[datetime, str, Any]]:
    """(when, kind, what) for the learner's whole term, in time order."""
    stop = now - timedelta(days=persona.quiet_days)
    events: list[tuple[datetime, str, Any]] = []
    for task, step in zip(tasks, persona.plan, strict=False):
        due = task.due_at
        opened = task.created_at
        if step in "or":
            when = due - timedelta(days=rng.uniform(0.3, 4))
            if step == "r":
                events.append((when - timedelta(days=1.5), "assignment-fail", task))
            events.append((max(when, opened + timedelta(hours=2)), "assignment", task))
        elif step == "l":
            events.append((due + timedelta(days=rng.uniform(0.5, 3)), "assignment", task))
        elif step == "p":
            events.append((min(now - timedelta(hours=3), due - timedelta(days=1)),
                           "assignment-open", task))
    day = 0.0
    while start + timedelta(days=day) < stop:
        day += rng.expovariate(persona.practice / 7) if persona.practice else TERM_DAYS
        events.append((start + timedelta(days=day, hours=rng.uniform(8, 12)), "practice", None))
    day = 0.0
    while persona.cards and start + timedelta(days=day) < stop:
        day += rng.expovariate(persona.cards / 7)
        events.append((start + timedelta(days=day, hours=rng.uniform(12, 14)), "cards", None))
    return sorted((e for e in events if e[0] < min(stop, now)), key=lambda e: e[0])


def _simulate(session: Session, bank: QuestionBank, rng: random.Random, persona: Persona,
              user_id: int, tasks: Sequence[Any], start: datetime, now: datetime) -> None:
    questions = [i for i in bank.items if i.type != "flashcard"]
    deck = [c for c in review.flashcards(bank).values() if c.topic == "atlas"
            or c.topic in ("safety", "palpation", "principles")]
    for when, kind, task in _plan_events(rng, persona, tasks, start, now):
        day = (when - start).total_seconds() / 86400
        if kind.startswith("assignment"):
            skill = persona if kind != "assignment-fail" else Persona(
                persona.username, persona.name, persona.ability - 0.3, "", 0, 0)
            try:
                attempt = cohorts.start_assignment(session=session, bank=bank, user_id=user_id,
                                                   assignment_id=task.id, now=when)
            except cohorts.CohortError:
                continue
            stop_at = rng.randrange(2, max(3, len(attempt.item_ids) // 2)) \
                if kind == "assignment-open" else None
            _answer_all(session, bank, rng, skill, user_id, attempt, when, day, stop_at)
        elif kind == "practice":
            topic = rng.choice(sorted(bank.by_topic))
            pool = [q for q in questions if q.topic == topic] or questions
            attempt = attempts.start_attempt(
                session=session, bank=bank, user_id=user_id, now=when,
                spec=attempts.QuizSpec(item_ids=tuple(q.id for q in rng.sample(
                    pool, min(len(pool), rng.randint(6, 12)))),
                    title=f"Practice: {bank.topic_title(topic)}"))
            _answer_all(session, bank, rng, persona, user_id, attempt, when, day, None)
        else:
            _card_session(session, bank, rng, persona, user_id, deck, when, day)


def _answer_all(session: Session, bank: QuestionBank, rng: random.Random, persona: Persona,
                user_id: int, attempt: Any, when: datetime, day: float,
                stop_at: int | None) -> None:
    clock = when
    for n, item_id in enumerate(attempt.item_ids):
        if stop_at is not None and n >= stop_at:
            return  # left in progress
        item = bank.by_id[item_id]
        spent = int(rng.lognormvariate(3.0, 0.5) * 1000)  # about 20 s, sometimes a minute
        clock += timedelta(milliseconds=spent + 2000)
        answer = right_answer(item) if rng.random() < chance(persona, item, day) \
            else plausible_wrong_answer(item, rng)
        attempts.record_answer(session=session, bank=bank, user_id=user_id,
                               attempt_id=attempt.id, item_id=item_id, answer=answer,
                               time_ms=spent, now=clock)
    attempts.finish_attempt(session=session, user_id=user_id, attempt_id=attempt.id,
                            now=clock + timedelta(seconds=5))


def _card_session(session: Session, bank: QuestionBank, rng: random.Random, persona: Persona,
                  user_id: int, deck: Sequence[Any], when: datetime, day: float) -> None:
    """Review what is due, then learn a few new cards, rating by the learner's recall."""
    rows = {r.card_id: r for r in session.scalars(
        select(ReviewCard).where(ReviewCard.user_id == user_id)
        .execution_options(populate_existing=True))}
    due = [c for c in deck if c.id in rows and rows[c.id].due <= when]
    new = [c for c in deck if c.id not in rows][: rng.randint(2, 4)]
    clock = when
    for card in due + new:
        clock += timedelta(seconds=rng.uniform(8, 25))
        p = chance(persona, card, day) + (0.05 if card.id in rows else -0.1)
        rating = (review.Rating.Again if rng.random() > p else
                  review.Rating.Easy if rng.random() < 0.15 else
                  review.Rating.Hard if rng.random() < 0.15 else review.Rating.Good)
        version = rows[card.id].version if card.id in rows else 0
        review.answer_card(session=session, bank=bank, user_id=user_id, card_id=card.id,
                           rating=rating, version=version, now=clock,
                           duration_ms=int(rng.uniform(4000, 15000)))
