"""The attempt lifecycle on SQLite and PostgreSQL: start, answer, resume, time out, double submit."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from trainer.db.engine import session_scope
from trainer.db.models import AttemptMode, AttemptStatus, utcnow
from trainer.services import attempts as svc
from trainer.services.attempts import AttemptClosed, AttemptError, QuizSpec


def start(engine, bank, user, **kw):
    spec = QuizSpec(**{"count": 5, "seed": 1, **kw})
    with session_scope(engine) as s:
        return svc.start_attempt(session=s, bank=bank, user_id=user.id, spec=spec)


def answer(engine, bank, user, attempt, item_id, value, **kw):
    with session_scope(engine) as s:
        return svc.record_answer(session=s, bank=bank, user_id=user.id, attempt_id=attempt.id,
                                 item_id=item_id, answer=value, **kw)


def test_start_answer_resume_finish(engine, mini_bank, make_user) -> None:
    user = make_user()
    attempt = start(engine, mini_bank, user, item_ids=("mini.single", "mini.tf", "mini.short"))
    assert attempt.item_ids == ["mini.single", "mini.tf", "mini.short"]
    answer(engine, mini_bank, user, attempt, "mini.single", 1, time_ms=4000)
    with session_scope(engine) as s:
        svc.move_to(session=s, user_id=user.id, attempt_id=attempt.id, position=1)
    # "refresh": a new session finds the open attempt where the learner left it
    with session_scope(engine) as s:
        resumed = svc.open_attempt(session=s, user_id=user.id)
        assert resumed is not None and resumed.id == attempt.id and resumed.position == 1
        stored = svc.responses_of(session=s, user_id=user.id, attempt_id=attempt.id)
        assert set(stored) == {"mini.single"} and stored["mini.single"].time_ms == 4000
    answer(engine, mini_bank, user, attempt, "mini.tf", True)
    answer(engine, mini_bank, user, attempt, "mini.short", "LTR")
    with session_scope(engine) as s:
        done = svc.finish_attempt(session=s, user_id=user.id, attempt_id=attempt.id)
        assert done.status == AttemptStatus.submitted
        assert (done.score, done.max_score) == (2.0, 3.0)
        assert svc.open_attempt(session=s, user_id=user.id) is None
        assert svc.missed_item_ids(session=s, user_id=user.id, attempt=done) == ["mini.tf"]
        assert [a.id for a in svc.history(session=s, user_id=user.id)] == [attempt.id]
    with pytest.raises(AttemptClosed):
        answer(engine, mini_bank, user, attempt, "mini.tf", False)


def test_double_submit_in_practice_keeps_the_first_answer(engine, mini_bank, make_user) -> None:
    user = make_user()
    attempt = start(engine, mini_bank, user, item_ids=("mini.single",))
    first = answer(engine, mini_bank, user, attempt, "mini.single", 1)
    second = answer(engine, mini_bank, user, attempt, "mini.single", 0)
    assert first.id == second.id and second.correct and second.answer == 1
    with session_scope(engine) as s:
        assert len(svc.responses_of(session=s, user_id=user.id, attempt_id=attempt.id)) == 1


def test_exam_answers_can_change_until_submitted(engine, mini_bank, make_user) -> None:
    user = make_user()
    attempt = start(engine, mini_bank, user, mode=AttemptMode.exam, minutes=10,
                    item_ids=("mini.single", "mini.tf"))
    answer(engine, mini_bank, user, attempt, "mini.single", 0)
    changed = answer(engine, mini_bank, user, attempt, "mini.single", 1)
    assert changed.correct and changed.answer == 1
    with session_scope(engine) as s:
        assert svc.toggle_flag(session=s, user_id=user.id, attempt_id=attempt.id,
                               item_id="mini.tf") is True
    with session_scope(engine) as s:
        assert svc.get_attempt(session=s, user_id=user.id, attempt_id=attempt.id).flagged == ["mini.tf"]


def test_exam_times_out_and_keeps_answers(engine, mini_bank, make_user) -> None:
    user = make_user()
    t0 = utcnow()
    with session_scope(engine) as s:
        attempt = svc.start_attempt(session=s, bank=mini_bank, user_id=user.id, now=t0,
                                    spec=QuizSpec(mode=AttemptMode.exam, minutes=1,
                                                  item_ids=("mini.single", "mini.tf")))
    answer(engine, mini_bank, user, attempt, "mini.single", 1, now=t0 + timedelta(seconds=30))
    with pytest.raises(AttemptClosed, match="Time is up"):
        answer(engine, mini_bank, user, attempt, "mini.tf", False, now=t0 + timedelta(seconds=61))
    with session_scope(engine) as s:
        done = svc.get_attempt(session=s, user_id=user.id, attempt_id=attempt.id)
        assert done.status == AttemptStatus.timed_out
        assert done.finished_at == attempt.deadline_at
        assert (done.score, done.max_score) == (1.0, 2.0)


def test_overdue_exam_is_closed_when_the_learner_returns(engine, mini_bank, make_user) -> None:
    user = make_user()
    t0 = utcnow() - timedelta(hours=3)
    with session_scope(engine) as s:
        svc.start_attempt(session=s, bank=mini_bank, user_id=user.id, now=t0,
                          spec=QuizSpec(mode=AttemptMode.exam, minutes=5, item_ids=("mini.tf",)))
    with session_scope(engine) as s:
        assert svc.open_attempt(session=s, user_id=user.id) is None
        (closed,) = svc.history(session=s, user_id=user.id)
        assert closed.status == AttemptStatus.timed_out


def test_learner_cannot_touch_another_learners_attempt(engine, mini_bank, make_user) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    attempt = start(engine, mini_bank, alice, item_ids=("mini.single",))
    with pytest.raises(AttemptError):
        answer(engine, mini_bank, bob, attempt, "mini.single", 1)
    with session_scope(engine) as s, pytest.raises(AttemptError):
        svc.responses_of(session=s, user_id=bob.id, attempt_id=attempt.id)


def test_concurrent_submits_store_one_response(engine, mini_bank, make_user) -> None:
    user = make_user()
    attempt = start(engine, mini_bank, user, item_ids=("mini.single",))
    barrier, errors = threading.Barrier(4), []

    def submit(value: int) -> None:
        try:
            barrier.wait()
            answer(engine, mini_bank, user, attempt, "mini.single", value)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=submit, args=(i % 2,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with session_scope(engine) as s:
        assert len(svc.responses_of(session=s, user_id=user.id, attempt_id=attempt.id)) == 1


def test_topic_breakdown_and_filters(engine, mini_bank, make_user) -> None:
    user = make_user()
    attempt = start(engine, mini_bank, user, count=20, tags=("alpha",))
    assert sorted(attempt.item_ids) == ["mini.multi", "mini.single"]
    answer(engine, mini_bank, user, attempt, "mini.multi", [0, 1])
    with session_scope(engine) as s:
        (row,) = svc.topic_breakdown(session=s, bank=mini_bank, user_id=user.id, attempt=attempt)
    assert (row.topic, row.items, row.answered) == ("mini", 2, 1)
    assert row.percent == pytest.approx(100 * (2 / 3) / 2)


def test_no_matching_items_is_a_plain_error(engine, mini_bank, make_user) -> None:
    user = make_user()
    with pytest.raises(AttemptError, match="No questions match"):
        start(engine, mini_bank, user, tags=("nonexistent",))


def test_weak_spots_start_with_recent_misses(engine, mini_bank, make_user) -> None:
    user = make_user()
    first = start(engine, mini_bank, user, item_ids=("mini.single", "mini.tf", "mini.short"))
    answer(engine, mini_bank, user, first, "mini.single", 0)  # missed
    answer(engine, mini_bank, user, first, "mini.tf", False)  # right
    with session_scope(engine) as s:
        svc.finish_attempt(session=s, user_id=user.id, attempt_id=first.id)
    weak = start(engine, mini_bank, user, mode=AttemptMode.weak_spots, count=4)
    assert weak.item_ids[0] == "mini.single"
    assert len(weak.item_ids) == 4 and len(set(weak.item_ids)) == 4
    assert "mini.card" not in weak.item_ids
