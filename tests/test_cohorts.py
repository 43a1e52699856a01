"""Cohorts, join codes, members and assignments with their statuses, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from trainer.db.engine import session_scope
from trainer.db.models import Attempt, AttemptStatus, utcnow
from trainer.services import attempts as att
from trainer.services import cohorts as svc
from trainer.services.cohorts import AssignmentStatus as S
from trainer.services.cohorts import Outcome

AMBIGUOUS = set("0O1IL")


def make_cohort(engine, teacher, name="Level 1"):
    with session_scope(engine) as s:
        return svc.create_cohort(session=s, user_id=teacher.id, name=name, term="Spring")


def join(engine, learner, code):
    with session_scope(engine) as s:
        return svc.join_cohort(session=s, user_id=learner.id, code=code)


def assign(engine, bank, teacher, cohort, **kw):
    args = {"title": "Homework", "due_at": utcnow() + timedelta(days=7),
            "item_ids": ("mini.single", "mini.tf"), "attempts_allowed": 2, "pass_mark": 0.7}
    args.update(kw)
    with session_scope(engine) as s:
        return svc.create_assignment(session=s, bank=bank, user_id=teacher.id,
                                     cohort_id=cohort.id, **args)


def take(engine, bank, learner, assignment, answers, *, now=None, finish=True):
    """Start (or resume) the assignment and answer; ``answers`` maps item id to answer."""
    with session_scope(engine) as s:
        attempt = svc.start_assignment(session=s, bank=bank, user_id=learner.id,
                                       assignment_id=assignment.id, now=now)
        for item_id, answer in answers.items():
            att.record_answer(session=s, bank=bank, user_id=learner.id, attempt_id=attempt.id,
                              item_id=item_id, answer=answer, now=now)
        if finish:
            att.finish_attempt(session=s, user_id=learner.id, attempt_id=attempt.id, now=now)
        return attempt


def statuses(engine, bank, learner, now=None):
    with session_scope(engine) as s:
        return {a.title: a for a in svc.my_assignments(session=s, bank=bank, user_id=learner.id,
                                                       now=now)}


# --- join codes and cohorts ---------------------------------------------------------------------

def test_join_codes_use_an_unambiguous_alphabet() -> None:
    codes = {svc.new_join_code() for _ in range(300)}
    assert len(codes) == 300  # random, not a counter
    assert all(len(c) == 8 and set(c) <= set(svc.JOIN_CODE_ALPHABET) for c in codes)
    assert not AMBIGUOUS & set(svc.JOIN_CODE_ALPHABET)
    assert svc.format_join_code("ABCDEFGH") == "ABCD-EFGH"
    assert svc.normalise_join_code(" abcd-efgh ") == "ABCDEFGH"


def test_only_instructors_create_cohorts(engine, make_user) -> None:
    learner = make_user("learner1")
    with session_scope(engine) as s, pytest.raises(svc.NotAllowed):
        svc.create_cohort(session=s, user_id=learner.id, name="Mine")
    teacher = make_user("teacher", "instructor")
    with session_scope(engine) as s, pytest.raises(svc.CohortError, match="name"):
        svc.create_cohort(session=s, user_id=teacher.id, name="   ")


def test_join_with_a_forgiving_code_and_rotate_it(engine, make_user) -> None:
    teacher, learner, other = make_user("teacher", "instructor"), make_user(), make_user("other")
    cohort = make_cohort(engine, teacher)
    typed = svc.format_join_code(cohort.join_code).lower().replace("-", " - ")
    assert join(engine, learner, typed).id == cohort.id
    assert join(engine, learner, cohort.join_code).id == cohort.id  # twice: harmless
    with session_scope(engine) as s:
        assert [m.username for m in svc.members(session=s, user_id=teacher.id,
                                                cohort_id=cohort.id)] == ["teacher", "learner1"]
        new_code = svc.rotate_join_code(session=s, user_id=teacher.id, cohort_id=cohort.id)
    assert new_code.replace("-", "") != cohort.join_code
    with pytest.raises(svc.CohortError, match="No cohort has that code"):
        join(engine, other, cohort.join_code)
    assert join(engine, other, new_code).id == cohort.id
    with pytest.raises(svc.CohortError, match="teach this cohort"):
        join(engine, teacher, new_code)
    with pytest.raises(svc.CohortError, match="No cohort has that code"):
        join(engine, other, "")


def test_roster_co_instructor_and_removal(engine, make_user, mini_bank) -> None:
    teacher, co, learner = (make_user("teacher", "instructor"), make_user("cohost", "instructor"),
                            make_user())
    cohort = make_cohort(engine, teacher)
    join(engine, learner, cohort.join_code)
    task = assign(engine, mini_bank, teacher, cohort)
    take(engine, mini_bank, learner, task, {"mini.single": 1})
    with session_scope(engine) as s:
        with pytest.raises(svc.CohortError, match="No instructor account"):
            svc.add_co_instructor(session=s, user_id=teacher.id, cohort_id=cohort.id,
                                  username="learner1")
        svc.add_co_instructor(session=s, user_id=teacher.id, cohort_id=cohort.id, username="cohost")
    with session_scope(engine) as s:  # the co-instructor now teaches it: sees and manages it
        assert [c.id for c in svc.cohorts_taught(session=s, user_id=co.id)] == [cohort.id]
        svc.remove_member(session=s, user_id=co.id, cohort_id=cohort.id, member_id=learner.id)
    with session_scope(engine) as s:
        roles = {m.username: m.role for m in svc.members(session=s, user_id=teacher.id,
                                                         cohort_id=cohort.id)}
        assert roles == {"teacher": "instructor", "cohost": "instructor"}
        # the learner's own history stays theirs
        assert len(att.history(session=s, user_id=learner.id)) == 1
        assert svc.my_assignments(session=s, bank=mini_bank, user_id=learner.id) == []
        svc.remove_member(session=s, user_id=teacher.id, cohort_id=cohort.id, member_id=co.id)
    with session_scope(engine) as s, pytest.raises(svc.CohortError, match="at least one"):
        svc.remove_member(session=s, user_id=teacher.id, cohort_id=cohort.id,
                          member_id=teacher.id)


def test_a_learner_can_be_in_several_cohorts(engine, make_user, mini_bank) -> None:
    teacher, learner = make_user("teacher", "instructor"), make_user()
    first, second = make_cohort(engine, teacher, "A"), make_cohort(engine, teacher, "B")
    join(engine, learner, first.join_code)
    join(engine, learner, second.join_code)
    assign(engine, mini_bank, teacher, first, title="From A")
    assign(engine, mini_bank, teacher, second, title="From B")
    with session_scope(engine) as s:
        assert [c.name for c in svc.my_cohorts(session=s, user_id=learner.id)] == ["A", "B"]
        mine = svc.my_assignments(session=s, bank=mini_bank, user_id=learner.id)
    assert {(a.cohort, a.title) for a in mine} == {("A", "From A"), ("B", "From B")}


# --- assignments -------------------------------------------------------------------------------

def test_assignment_validation_and_sources(engine, make_user, mini_bank) -> None:
    teacher = make_user("teacher", "instructor")
    cohort = make_cohort(engine, teacher)
    for bad, message in (({"title": " "}, "title"), ({"mode": "weak_spots"}, "practice"),
                         ({"pass_mark": 1.5}, "pass mark"), ({"attempts_allowed": 0}, "attempts"),
                         ({"item_ids": ("nope",)}, "Not in the question bank"),
                         ({"item_ids": (), "topics": ("mini",), "difficulties": ("hard",),
                           "tags": ("alpha",)}, "No questions match")):
        with pytest.raises(svc.CohortError, match=message):
            assign(engine, mini_bank, teacher, cohort, **bad)
    drawn = assign(engine, mini_bank, teacher, cohort, item_ids=(), tags=("core",), count=3)
    fixed = assign(engine, mini_bank, teacher, cohort, item_ids=(), tags=("core",), count=3,
                   same_for_everyone=True, seed=4)
    picked = assign(engine, mini_bank, teacher, cohort, item_ids=("mini.tf", "mini.tf", "mini.order"))
    assert drawn.spec["item_ids"] == [] and drawn.spec["count"] == 3
    assert len(fixed.spec["item_ids"]) == 3
    assert {mini_bank.by_id[i].topic for i in fixed.spec["item_ids"]} == {"mini"}
    assert all("core" in mini_bank.by_id[i].tags for i in fixed.spec["item_ids"])
    assert picked.spec["item_ids"] == ["mini.tf", "mini.order"]
    assert svc.describe_spec(mini_bank, drawn.spec) == "3 questions from all topics (core)"


def _outcome(on_time=None, late=None, open_id=None, used=1):
    return Outcome(1, 1, used, open_id, on_time, late, None)


@pytest.mark.parametrize(("outcome", "past_due", "expected"), [
    (None, False, S.not_started),
    (None, True, S.missing),
    (_outcome(open_id=5), False, S.in_progress),
    (_outcome(open_id=5), True, S.in_progress),  # still open after the due date
    (_outcome(on_time=0.7), False, S.passed),  # exactly the pass mark passes
    (_outcome(on_time=0.69), False, S.failed),
    (_outcome(on_time=0.69), True, S.failed),
    (_outcome(late=0.9), True, S.late),
    (_outcome(on_time=0.5, late=0.9), True, S.late),  # failed on time, passed late
    (_outcome(on_time=0.8, late=0.95), True, S.passed),  # on-time pass stands
    (_outcome(on_time=0.8, open_id=9), False, S.passed),
])
def test_assignment_status_rules(outcome, past_due, expected) -> None:
    now = utcnow()
    due = now - timedelta(hours=1) if past_due else now + timedelta(hours=1)
    assert svc.assignment_status(due_at=due, now=now, pass_mark=0.7, outcome=outcome) == expected


def test_assignment_statuses_through_attempts_and_the_clock(engine, make_user, mini_bank) -> None:
    teacher, learner = make_user("teacher", "instructor"), make_user()
    cohort = make_cohort(engine, teacher)
    join(engine, learner, cohort.join_code)
    t0 = utcnow()
    task = assign(engine, mini_bank, teacher, cohort, due_at=t0 + timedelta(days=2))
    assert statuses(engine, mini_bank, learner, t0)["Homework"].status == S.not_started
    # start: in progress; starting again resumes the same attempt
    first = take(engine, mini_bank, learner, task, {"mini.single": 0}, now=t0, finish=False)
    again = take(engine, mini_bank, learner, task, {}, now=t0, finish=False)
    assert again.id == first.id and first.assignment_id == task.id
    assert first.title == "Homework" and first.item_ids == ["mini.single", "mini.tf"]
    row = statuses(engine, mini_bank, learner, t0)["Homework"]
    assert row.status == S.in_progress and row.open_attempt_id == first.id and not row.can_start
    with session_scope(engine) as s:
        att.finish_attempt(session=s, user_id=learner.id, attempt_id=first.id, now=t0)
    row = statuses(engine, mini_bank, learner, t0)["Homework"]
    assert (row.status, row.score, row.attempts_left, row.can_start) == (S.failed, 0.0, 1, True)
    # second attempt, all right, on time: passed; a third is refused
    take(engine, mini_bank, learner, task, {"mini.single": 1, "mini.tf": False},
         now=t0 + timedelta(hours=1))
    row = statuses(engine, mini_bank, learner, t0)["Homework"]
    assert (row.status, row.score, row.attempts_used) == (S.passed, 1.0, 2)
    with pytest.raises(svc.CohortError, match="passed this assignment"):
        take(engine, mini_bank, learner, task, {}, now=t0 + timedelta(hours=2))


def test_attempts_allowed_late_and_missing(engine, make_user, mini_bank) -> None:
    teacher, keen, slow, absent = (make_user("teacher", "instructor"), make_user("keen"),
                                   make_user("slow"), make_user("absent"))
    cohort = make_cohort(engine, teacher)
    for learner in (keen, slow, absent):
        join(engine, learner, cohort.join_code)
    t0 = utcnow()
    task = assign(engine, mini_bank, teacher, cohort, due_at=t0 + timedelta(days=1),
                  attempts_allowed=1)
    take(engine, mini_bank, keen, task, {"mini.single": 0}, now=t0)
    with pytest.raises(svc.CohortError, match="used all 1 attempt"):
        take(engine, mini_bank, keen, task, {}, now=t0)
    after = t0 + timedelta(days=2)
    take(engine, mini_bank, slow, task, {"mini.single": 1, "mini.tf": False}, now=after)
    assert statuses(engine, mini_bank, keen, after)["Homework"].status == S.failed
    assert statuses(engine, mini_bank, slow, after)["Homework"].status == S.late
    assert statuses(engine, mini_bank, absent, after)["Homework"].status == S.missing
    # an extension turns "missing" back into "not started"
    with session_scope(engine) as s:
        svc.update_assignment(session=s, user_id=teacher.id, assignment_id=task.id,
                              due_at=t0 + timedelta(days=5))
    assert statuses(engine, mini_bank, absent, after)["Homework"].status == S.not_started


def test_exam_assignment_is_timed_and_closes_by_itself(engine, make_user, mini_bank) -> None:
    teacher, learner = make_user("teacher", "instructor"), make_user()
    cohort = make_cohort(engine, teacher)
    join(engine, learner, cohort.join_code)
    t0 = utcnow()
    task = assign(engine, mini_bank, teacher, cohort, mode="exam", minutes=15,
                  due_at=t0 + timedelta(days=1))
    attempt = take(engine, mini_bank, learner, task, {"mini.single": 1}, now=t0, finish=False)
    assert attempt.mode == "exam" and attempt.deadline_at == t0 + timedelta(minutes=15)
    # the learner walks away; the clock runs out; the status reflects the timed-out submission
    row = statuses(engine, mini_bank, learner, t0 + timedelta(hours=1))["Homework"]
    assert row.status == S.failed and row.score == 0.5 and row.open_attempt_id is None


def test_strangers_cannot_start_and_deleting_keeps_history(engine, make_user, mini_bank) -> None:
    teacher, learner, stranger = make_user("teacher", "instructor"), make_user(), make_user("stranger")
    cohort = make_cohort(engine, teacher)
    join(engine, learner, cohort.join_code)
    task = assign(engine, mini_bank, teacher, cohort)
    with pytest.raises(svc.NotAllowed):
        take(engine, mini_bank, stranger, task, {})
    attempt = take(engine, mini_bank, learner, task, {"mini.single": 1})
    with session_scope(engine) as s:
        svc.delete_assignment(session=s, user_id=teacher.id, assignment_id=task.id)
    with session_scope(engine) as s:
        kept = s.scalar(select(Attempt).where(Attempt.id == attempt.id))
        assert kept is not None and kept.assignment_id is None
        assert kept.status == AttemptStatus.submitted


def test_another_open_quiz_is_reported(engine, make_user, mini_bank) -> None:
    teacher, learner = make_user("teacher", "instructor"), make_user()
    cohort = make_cohort(engine, teacher)
    join(engine, learner, cohort.join_code)
    task = assign(engine, mini_bank, teacher, cohort)
    with session_scope(engine) as s:
        own = att.start_attempt(session=s, bank=mini_bank, user_id=learner.id,
                                spec=att.QuizSpec(item_ids=("mini.order",)))
        other = svc.other_open_attempt(session=s, user_id=learner.id, assignment_id=task.id)
        assert other is not None and other.id == own.id
