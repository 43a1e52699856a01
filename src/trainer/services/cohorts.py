"""Cohorts (classes), their members and join codes, and assignments with each learner's status.

Who may do what is decided here, not in the pages:

- an **instructor** creates a cohort and becomes its first instructor member; co-instructors are
  added by username; only instructors of a cohort (or an admin) may read or change it;
- a **learner** joins with the cohort's join code and sees only their own assignments.

Every function takes the acting ``user_id`` and looks up that user's role in the database, so a
caller cannot claim a role. Refusals raise :class:`NotAllowed` with the same message whether the
cohort exists or not, so ids cannot be probed.

Join codes are 8 characters from an alphabet without look-alikes (no 0/O, 1/I/L), shown as
``ABCD-EFGH``; typing is forgiving (case, spaces and dashes are ignored). 31^8 ≈ 8.5 × 10^11
codes make guessing hopeless; rotating a code makes the old one stop working at once.

Assignment status (one word per learner and assignment, decided by :func:`assignment_status`):

==============  ===============================================================================
passed          an attempt submitted by the due date scored at least the pass mark
late            no on-time pass, but an attempt was submitted after the due date
failed          submitted on time, below the pass mark (a retry may still be possible)
in progress     an attempt is open and nothing was submitted yet
missing         past the due date with nothing submitted
not started     before the due date, no attempt yet
==============  ===============================================================================

Late work is accepted (as in Moodle without a cut-off date) and marked "late".
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, case, delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import Select
from sqlmodel import Session

from trainer.content import QuestionBank
from trainer.content.schema import DIFFICULTIES
from trainer.db.models import (
    Assignment,
    Attempt,
    AttemptMode,
    AttemptStatus,
    Cohort,
    CohortMember,
    Role,
    User,
    utcnow,
)
from trainer.services import attempts as attempts_svc

JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud safely
JOIN_CODE_LENGTH = 8
ASSIGNMENT_MODES: tuple[str, ...] = (AttemptMode.practice, AttemptMode.exam)
MAX_ASSIGNMENT_ITEMS = 200
MAX_ATTEMPTS_ALLOWED = 20
MEMBER_LEARNER = "learner"
MEMBER_INSTRUCTOR = "instructor"
NOT_ALLOWED = "You are not allowed to see this cohort: it is not one you teach."


class CohortError(Exception):
    """A plain message for the person at the keyboard (bad code, nothing left to start, ...)."""


class NotAllowed(CohortError):
    """The acting user may not see or change this cohort, assignment or learner."""


class AssignmentStatus(StrEnum):
    not_started = "not started"
    in_progress = "in progress"
    passed = "passed"
    failed = "failed"
    late = "late"
    missing = "missing"


# --- join codes -----------------------------------------------------------------------------

def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def normalise_join_code(text: str) -> str:
    """What a learner typed, as stored: upper case, no spaces or dashes."""
    return "".join(c for c in text.upper() if c.isalnum())


def format_join_code(code: str) -> str:
    """``ABCDEFGH`` → ``ABCD-EFGH``: easier to read out in class and to type."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}" if len(code) == JOIN_CODE_LENGTH else code


def _fresh_code(session: Session) -> str:
    for _ in range(20):
        code = new_join_code()
        if session.scalar(select(Cohort.id).where(Cohort.join_code == code)) is None:
            return code
    raise CohortError("Could not find a free join code; try again.")  # pragma: no cover


# --- who is asking ------------------------------------------------------------------------

def _role_of(session: Session, user_id: int) -> str | None:
    return session.scalar(select(User.role).where(User.id == user_id))


def is_teacher(*, session: Session, user_id: int, cohort_id: int) -> bool:
    """Instructor member of the cohort, or an admin (admins see every cohort)."""
    role = _role_of(session, user_id)
    if role == Role.admin:
        return session.get(Cohort, cohort_id) is not None
    if role != Role.instructor:
        return False
    return session.scalar(select(CohortMember.user_id).where(
        CohortMember.cohort_id == cohort_id, CohortMember.user_id == user_id,
        CohortMember.role == MEMBER_INSTRUCTOR)) is not None


def require_teacher(*, session: Session, user_id: int, cohort_id: int) -> Cohort:
    """The cohort, if the acting user teaches it; otherwise :class:`NotAllowed`."""
    if not is_teacher(session=session, user_id=user_id, cohort_id=cohort_id):
        raise NotAllowed(NOT_ALLOWED)
    cohort = session.get(Cohort, cohort_id)
    assert cohort is not None
    return cohort


def learner_ids(cohort_id: int) -> Select:
    """Subquery of the cohort's learner members (instructors are not in the statistics)."""
    return select(CohortMember.user_id).where(CohortMember.cohort_id == cohort_id,
                                              CohortMember.role == MEMBER_LEARNER)


def require_learner_of(*, session: Session, user_id: int, cohort_id: int, learner_id: int) -> User:
    """A learner of a cohort the acting user teaches, or :class:`NotAllowed`."""
    require_teacher(session=session, user_id=user_id, cohort_id=cohort_id)
    member = session.scalar(select(CohortMember.user_id).where(
        CohortMember.cohort_id == cohort_id, CohortMember.user_id == learner_id,
        CohortMember.role == MEMBER_LEARNER))
    if member is None:
        raise NotAllowed("That learner is not in this cohort.")
    user = session.get(User, learner_id)
    assert user is not None
    return user


# --- cohorts -----------------------------------------------------------------------------

@dataclass(frozen=True)
class CohortSummary:
    id: int
    name: str
    term: str
    join_code: str  # formatted, ABCD-EFGH
    learners: int
    instructors: tuple[str, ...]
    assignments: int
    created_at: datetime


@dataclass(frozen=True)
class Member:
    user_id: int
    username: str
    display_name: str
    role: str  # learner | instructor
    joined_at: datetime


def create_cohort(*, session: Session, user_id: int, name: str, term: str = "") -> Cohort:
    if _role_of(session, user_id) not in (Role.instructor, Role.admin):
        raise NotAllowed("Only instructors can create cohorts.")
    name, term = name.strip(), term.strip()
    if not name:
        raise CohortError("Give the cohort a name, e.g. “NMT Level 1”.")
    if len(name) > 120 or len(term) > 60:
        raise CohortError("Keep the name under 120 and the term under 60 characters.")
    cohort = Cohort(name=name, term=term, join_code=_fresh_code(session), created_by=user_id)
    session.add(cohort)
    session.flush()
    assert cohort.id is not None
    session.add(CohortMember(cohort_id=cohort.id, user_id=user_id, role=MEMBER_INSTRUCTOR))
    session.flush()
    return cohort


def rotate_join_code(*, session: Session, user_id: int, cohort_id: int) -> str:
    """A new code for the cohort; the old one stops working. Returns the formatted code."""
    cohort = require_teacher(session=session, user_id=user_id, cohort_id=cohort_id)
    cohort.join_code = _fresh_code(session)
    session.flush()
    return format_join_code(cohort.join_code)


def cohorts_taught(*, session: Session, user_id: int) -> list[CohortSummary]:
    """The cohorts the user teaches (an admin: all), newest first, with counts from SQL."""
    role = _role_of(session, user_id)
    if role not in (Role.instructor, Role.admin):
        return []
    query = select(Cohort)
    if role != Role.admin:
        query = query.join(CohortMember, CohortMember.cohort_id == Cohort.id).where(
            CohortMember.user_id == user_id, CohortMember.role == MEMBER_INSTRUCTOR)
    cohorts = session.scalars(query.order_by(Cohort.created_at.desc(), Cohort.id.desc())).all()
    ids = [c.id for c in cohorts]
    if not ids:
        return []
    learners = dict(session.execute(
        select(CohortMember.cohort_id, func.count()).where(
            CohortMember.cohort_id.in_(ids), CohortMember.role == MEMBER_LEARNER)
        .group_by(CohortMember.cohort_id)).all())
    tasks = dict(session.execute(
        select(Assignment.cohort_id, func.count()).where(Assignment.cohort_id.in_(ids))
        .group_by(Assignment.cohort_id)).all())
    teachers: dict[int, list[str]] = {}
    for cohort_id, name in session.execute(
            select(CohortMember.cohort_id, User.display_name)
            .join(User, User.id == CohortMember.user_id)
            .where(CohortMember.cohort_id.in_(ids), CohortMember.role == MEMBER_INSTRUCTOR)
            .order_by(CohortMember.joined_at, User.display_name)):
        teachers.setdefault(cohort_id, []).append(name)
    return [CohortSummary(c.id, c.name, c.term, format_join_code(c.join_code),  # type: ignore[arg-type]
                          learners.get(c.id, 0), tuple(teachers.get(c.id, ())),
                          tasks.get(c.id, 0), c.created_at) for c in cohorts]


def join_cohort(*, session: Session, user_id: int, code: str) -> Cohort:
    """Join as a learner. Joining twice is harmless; a wrong code gets one plain message."""
    normalised = normalise_join_code(code)
    cohort = session.scalar(select(Cohort).where(Cohort.join_code == normalised)) \
        if len(normalised) == JOIN_CODE_LENGTH else None
    if cohort is None:
        raise CohortError("No cohort has that code. Check it with your instructor; "
                          "codes look like ABCD-EFGH.")
    existing = session.get(CohortMember, (cohort.id, user_id))
    if existing is not None:
        if existing.role == MEMBER_INSTRUCTOR:
            raise CohortError("You teach this cohort already.")
        return cohort
    session.add(CohortMember(cohort_id=cohort.id, user_id=user_id, role=MEMBER_LEARNER))
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:  # joined in another tab at the same moment
        pass
    return cohort


def my_cohorts(*, session: Session, user_id: int) -> list[Cohort]:
    """Cohorts the user is a learner in."""
    return list(session.scalars(
        select(Cohort).join(CohortMember, CohortMember.cohort_id == Cohort.id)
        .where(CohortMember.user_id == user_id, CohortMember.role == MEMBER_LEARNER)
        .order_by(Cohort.name)))


def members(*, session: Session, user_id: int, cohort_id: int) -> list[Member]:
    """Everyone in the cohort: instructors first, then learners by name."""
    require_teacher(session=session, user_id=user_id, cohort_id=cohort_id)
    rows = session.execute(
        select(User.id, User.username, User.display_name, CohortMember.role,
               CohortMember.joined_at)
        .join(CohortMember, CohortMember.user_id == User.id)
        .where(CohortMember.cohort_id == cohort_id)
        .order_by(case((CohortMember.role == MEMBER_INSTRUCTOR, 0), else_=1),
                  func.lower(User.display_name), User.id))
    return [Member(*row) for row in rows]


def remove_member(*, session: Session, user_id: int, cohort_id: int, member_id: int) -> None:
    """Take a learner (or co-instructor) out of the cohort; their own history is kept.

    The last instructor cannot be removed, so a cohort is never left without a teacher.
    """
    require_teacher(session=session, user_id=user_id, cohort_id=cohort_id)
    member = session.get(CohortMember, (cohort_id, member_id))
    if member is None:
        raise CohortError("That person is not in this cohort.")
    if member.role == MEMBER_INSTRUCTOR:
        teachers = session.scalar(select(func.count()).select_from(CohortMember).where(
            CohortMember.cohort_id == cohort_id, CohortMember.role == MEMBER_INSTRUCTOR)) or 0
        if teachers <= 1:
            raise CohortError("A cohort needs at least one instructor; add another first.")
    session.delete(member)
    session.flush()


def add_co_instructor(*, session: Session, user_id: int, cohort_id: int, username: str) -> Member:
    require_teacher(session=session, user_id=user_id, cohort_id=cohort_id)
    other = session.scalar(select(User).where(User.username == username.strip().lower()))
    if other is None or other.role not in (Role.instructor, Role.admin):
        raise CohortError("No instructor account has that username.")
    assert other.id is not None
    member = session.get(CohortMember, (cohort_id, other.id))
    if member is None:
        member = CohortMember(cohort_id=cohort_id, user_id=other.id, role=MEMBER_INSTRUCTOR)
        session.add(member)
    else:
        member.role = MEMBER_INSTRUCTOR  # a learner promoted to teach the cohort
    session.flush()
    return Member(other.id, other.username, other.display_name, MEMBER_INSTRUCTOR,
                  member.joined_at)


# --- assignments -----------------------------------------------------------------------------

def create_assignment(
    *, session: Session, bank: QuestionBank, user_id: int, cohort_id: int, title: str,
    due_at: datetime, topics: Sequence[str] = (), tags: Sequence[str] = (),
    difficulties: Sequence[str] = (), count: int = 10, item_ids: Sequence[str] = (),
    same_for_everyone: bool = False, mode: str = AttemptMode.practice,
    attempts_allowed: int = 1, pass_mark: float = 0.7, minutes: int | None = None,
    seed: int | None = None,
) -> Assignment:
    """An assignment drawn from filters (per learner) or a fixed item list (the same for all).

    ``same_for_everyone`` draws the list once, now, from the filters: every learner then meets the
    same questions, which makes the item analysis of the assignment comparable across learners.
    """
    require_teacher(session=session, user_id=user_id, cohort_id=cohort_id)
    title = title.strip()
    if not title:
        raise CohortError("Give the assignment a title.")
    if mode not in ASSIGNMENT_MODES:
        raise CohortError("An assignment is either practice (feedback at once) or exam (timed).")
    if due_at.utcoffset() is None:
        raise CohortError("The due date needs a time zone.")
    if not 1 <= attempts_allowed <= MAX_ATTEMPTS_ALLOWED:
        raise CohortError(f"Allow between 1 and {MAX_ATTEMPTS_ALLOWED} attempts.")
    if not 0.0 <= pass_mark <= 1.0:
        raise CohortError("The pass mark is a share between 0% and 100%.")
    if minutes is not None and not 1 <= minutes <= 600:
        raise CohortError("A time limit is between 1 and 600 minutes.")
    unknown_topics = [t for t in topics if t not in bank.by_topic]
    unknown_diff = [d for d in difficulties if d not in DIFFICULTIES]
    if unknown_topics or unknown_diff:
        raise CohortError(f"Unknown topic or difficulty: {', '.join(unknown_topics + unknown_diff)}.")
    if item_ids:
        missing = [i for i in item_ids if i not in bank.by_id]
        if missing:
            raise CohortError(f"Not in the question bank: {', '.join(missing)}.")
        fixed = list(dict.fromkeys(item_ids))
    else:
        if not 1 <= count <= MAX_ASSIGNMENT_ITEMS:
            raise CohortError(f"Choose between 1 and {MAX_ASSIGNMENT_ITEMS} questions.")
        spec = attempts_svc.QuizSpec(topics=tuple(topics), tags=tuple(tags),
                                     difficulties=tuple(difficulties), count=count, seed=seed)
        if not attempts_svc.matching_items(bank, spec):
            raise CohortError("No questions match these choices; widen the topics or difficulty.")
        fixed = attempts_svc.choose_items(bank, spec) if same_for_everyone else []
    assignment = Assignment(
        cohort_id=cohort_id, title=title, mode=mode, due_at=due_at,
        attempts_allowed=attempts_allowed, pass_mark=pass_mark, created_by=user_id,
        spec={"topics": list(topics), "tags": list(tags), "difficulties": list(difficulties),
              "count": len(fixed) if fixed else count, "item_ids": fixed, "minutes": minutes})
    session.add(assignment)
    session.flush()
    return assignment


def _assignment_for_teacher(session: Session, user_id: int, assignment_id: int) -> Assignment:
    assignment = session.get(Assignment, assignment_id)
    if assignment is None or not is_teacher(session=session, user_id=user_id,
                                             cohort_id=assignment.cohort_id):
        raise NotAllowed("You are not allowed to see this assignment.")
    return assignment


def get_assignment(*, session: Session, user_id: int, assignment_id: int) -> Assignment:
    """An assignment of a cohort the acting user teaches."""
    return _assignment_for_teacher(session, user_id, assignment_id)


def update_assignment(
    *, session: Session, user_id: int, assignment_id: int, due_at: datetime | None = None,
    attempts_allowed: int | None = None, pass_mark: float | None = None,
) -> Assignment:
    """Extend a due date, allow another attempt or change the pass mark (statuses follow)."""
    assignment = _assignment_for_teacher(session, user_id, assignment_id)
    if due_at is not None:
        if due_at.utcoffset() is None:
            raise CohortError("The due date needs a time zone.")
        assignment.due_at = due_at
    if attempts_allowed is not None:
        if not 1 <= attempts_allowed <= MAX_ATTEMPTS_ALLOWED:
            raise CohortError(f"Allow between 1 and {MAX_ATTEMPTS_ALLOWED} attempts.")
        assignment.attempts_allowed = attempts_allowed
    if pass_mark is not None:
        if not 0.0 <= pass_mark <= 1.0:
            raise CohortError("The pass mark is a share between 0% and 100%.")
        assignment.pass_mark = pass_mark
    session.flush()
    return assignment


def delete_assignment(*, session: Session, user_id: int, assignment_id: int) -> None:
    """Remove an assignment; attempts already made stay in the learners' histories."""
    assignment = _assignment_for_teacher(session, user_id, assignment_id)
    session.execute(delete(Assignment).where(Assignment.id == assignment.id))
    session.flush()


def assignments_of(*, session: Session, user_id: int, cohort_id: int) -> list[Assignment]:
    """The cohort's assignments, by due date (teachers only)."""
    require_teacher(session=session, user_id=user_id, cohort_id=cohort_id)
    return list(session.scalars(select(Assignment).where(Assignment.cohort_id == cohort_id)
                                .order_by(Assignment.due_at, Assignment.id)))


def describe_spec(bank: QuestionBank, spec: dict[str, Any]) -> str:
    """"10 questions from Safety, Palpation (easy, medium)" — what an assignment draws from."""
    if spec.get("item_ids"):
        return f"{len(spec['item_ids'])} fixed questions"
    what = ", ".join(bank.topic_title(t) for t in spec.get("topics", [])) or "all topics"
    extra = [", ".join(spec.get("tags", [])), ", ".join(spec.get("difficulties", []))]
    filters = "; ".join(e for e in extra if e)
    return f"{spec.get('count', 0)} questions from {what}" + (f" ({filters})" if filters else "")


# --- outcomes and statuses -------------------------------------------------------------------

@dataclass(frozen=True)
class Outcome:
    """One learner's attempts at one assignment, aggregated in SQL."""

    assignment_id: int
    user_id: int
    attempts_used: int
    open_attempt_id: int | None
    best_on_time: float | None  # best score share of attempts submitted by the due date
    best_late: float | None  # best score share of attempts submitted after it
    last_finished_at: datetime | None


def outcomes(
    session: Session, *, assignment_ids: Iterable[int] | Select | None = None,
    cohort_id: int | None = None, user_ids: Iterable[int] | Select | None = None,
) -> dict[tuple[int, int], Outcome]:
    """Per (assignment, learner): attempts used, open attempt, best on-time and late scores.

    One GROUP BY over the attempts of the chosen assignments; no attempt rows reach Python.
    Internal: callers check access first.
    """
    finished = Attempt.status != AttemptStatus.in_progress
    share = case((Attempt.max_score > 0, Attempt.score / Attempt.max_score), else_=0.0)
    query = (
        select(Attempt.assignment_id, Attempt.user_id, func.count(),
               func.max(case((Attempt.status == AttemptStatus.in_progress, Attempt.id))),
               func.max(case((and_(finished, Attempt.finished_at <= Assignment.due_at), share))),
               func.max(case((and_(finished, Attempt.finished_at > Assignment.due_at), share))),
               func.max(case((finished, Attempt.finished_at))))
        .join(Assignment, Assignment.id == Attempt.assignment_id)
        .group_by(Attempt.assignment_id, Attempt.user_id)
    )
    if assignment_ids is not None:
        query = query.where(Attempt.assignment_id.in_(assignment_ids))
    if cohort_id is not None:
        query = query.where(Assignment.cohort_id == cohort_id)
    if user_ids is not None:
        query = query.where(Attempt.user_id.in_(user_ids))
    result = {}
    for a_id, u_id, used, open_id, on_time, late, last in session.execute(query):
        result[(a_id, u_id)] = Outcome(
            a_id, u_id, int(used), open_id, None if on_time is None else float(on_time),
            None if late is None else float(late), last)
    return result


def assignment_status(
    *, due_at: datetime, now: datetime, pass_mark: float, outcome: Outcome | None
) -> AssignmentStatus:
    """The one-word status of an assignment for a learner (rules in the module docstring)."""
    if outcome is not None:
        if outcome.best_on_time is not None and outcome.best_on_time >= pass_mark - 1e-9:
            return AssignmentStatus.passed
        if outcome.best_late is not None:
            return AssignmentStatus.late
        if outcome.best_on_time is not None:
            return AssignmentStatus.failed
        if outcome.open_attempt_id is not None:
            return AssignmentStatus.in_progress
    return AssignmentStatus.missing if now > due_at else AssignmentStatus.not_started


def counted_score(outcome: Outcome | None) -> float | None:
    """The score an assignment counts for (the best submitted attempt, on time or late)."""
    if outcome is None:
        return None
    scores = [s for s in (outcome.best_on_time, outcome.best_late) if s is not None]
    return max(scores) if scores else None


@dataclass(frozen=True)
class LearnerAssignment:
    """An assignment as its learner sees it on the home page."""

    id: int
    cohort: str
    title: str
    mode: str
    due_at: datetime
    pass_mark: float
    attempts_allowed: int
    attempts_used: int
    questions: str
    status: AssignmentStatus
    score: float | None
    open_attempt_id: int | None

    @property
    def attempts_left(self) -> int:
        return max(0, self.attempts_allowed - self.attempts_used)

    @property
    def can_start(self) -> bool:
        """A new attempt may start (resuming an open one is always possible)."""
        return self.open_attempt_id is None and self.attempts_left > 0 \
            and self.status != AssignmentStatus.passed


def my_assignments(
    *, session: Session, bank: QuestionBank, user_id: int, now: datetime | None = None
) -> list[LearnerAssignment]:
    """The learner's own assignments in all their cohorts: open work first, then by due date."""
    now = now or utcnow()
    attempts_svc.close_overdue(session=session, user_id=user_id, now=now)
    rows = session.execute(
        select(Assignment, Cohort.name)
        .join(Cohort, Cohort.id == Assignment.cohort_id)
        .join(CohortMember, and_(CohortMember.cohort_id == Cohort.id,
                                 CohortMember.user_id == user_id,
                                 CohortMember.role == MEMBER_LEARNER))
        .order_by(Assignment.due_at, Assignment.id)).all()
    if not rows:
        return []
    done = outcomes(session, assignment_ids=[a.id for a, _ in rows], user_ids=[user_id])
    result = []
    for assignment, cohort_name in rows:
        outcome = done.get((assignment.id, user_id))
        status = assignment_status(due_at=assignment.due_at, now=now,
                                   pass_mark=assignment.pass_mark, outcome=outcome)
        result.append(LearnerAssignment(
            assignment.id, cohort_name, assignment.title, assignment.mode, assignment.due_at,
            assignment.pass_mark, assignment.attempts_allowed,
            outcome.attempts_used if outcome else 0, describe_spec(bank, assignment.spec),
            status, counted_score(outcome), outcome.open_attempt_id if outcome else None))
    open_first = {AssignmentStatus.in_progress: 0, AssignmentStatus.missing: 1,
                  AssignmentStatus.not_started: 2, AssignmentStatus.failed: 3}
    return sorted(result, key=lambda a: (open_first.get(a.status, 4), a.due_at, a.id))


def start_assignment(
    *, session: Session, bank: QuestionBank, user_id: int, assignment_id: int,
    now: datetime | None = None,
) -> Attempt:
    """Start (or resume) the learner's attempt at an assignment.

    Refused for someone not in the cohort, after a pass, and beyond the attempts allowed. The
    learner's membership row is locked (``FOR UPDATE`` on PostgreSQL; SQLite serialises
    writers) so two quick clicks cannot use one attempt twice.
    """
    now = now or utcnow()
    assignment = session.get(Assignment, assignment_id)
    member = None if assignment is None else session.scalar(
        select(CohortMember).where(CohortMember.cohort_id == assignment.cohort_id,
                                   CohortMember.user_id == user_id,
                                   CohortMember.role == MEMBER_LEARNER).with_for_update())
    if assignment is None or member is None:
        raise NotAllowed("That assignment is not one of yours.")
    attempts_svc.close_overdue(session=session, user_id=user_id, now=now)
    outcome = outcomes(session, assignment_ids=[assignment_id], user_ids=[user_id]).get(
        (assignment_id, user_id))
    if outcome is not None and outcome.open_attempt_id is not None:
        return attempts_svc.get_attempt(session=session, user_id=user_id,
                                        attempt_id=outcome.open_attempt_id)
    status = assignment_status(due_at=assignment.due_at, now=now,
                               pass_mark=assignment.pass_mark, outcome=outcome)
    if status == AssignmentStatus.passed:
        raise CohortError("You have passed this assignment already.")
    used = outcome.attempts_used if outcome else 0
    if used >= assignment.attempts_allowed:
        raise CohortError(f"You have used all {assignment.attempts_allowed} attempt(s) allowed "
                          "for this assignment.")
    spec = assignment.spec
    quiz = attempts_svc.QuizSpec(
        mode=assignment.mode, topics=tuple(spec.get("topics", ())),
        tags=tuple(spec.get("tags", ())), difficulties=tuple(spec.get("difficulties", ())),
        count=int(spec.get("count") or 10), minutes=spec.get("minutes"),
        item_ids=tuple(spec.get("item_ids") or ()), title=assignment.title,
        assignment_id=assignment.id)
    try:
        return attempts_svc.start_attempt(session=session, bank=bank, user_id=user_id,
                                          spec=quiz, now=now)
    except attempts_svc.AttemptError as exc:
        raise CohortError(f"This assignment cannot start: {exc}") from exc


def other_open_attempt(
    *, session: Session, user_id: int, assignment_id: int
) -> Attempt | None:
    """An unfinished quiz that is not this assignment's: the quiz page resumes the newest open
    attempt, so the learner must finish or submit that one first."""
    return session.scalar(
        select(Attempt).where(Attempt.user_id == user_id,
                              Attempt.status == AttemptStatus.in_progress,
                              or_(Attempt.assignment_id.is_(None),
                                  Attempt.assignment_id != assignment_id))
        .order_by(Attempt.started_at.desc()).limit(1))
