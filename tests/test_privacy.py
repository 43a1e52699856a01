"""Privacy: a learner never sees another learner's data; an instructor sees only cohorts they
teach. Proved on the service layer (every reading function) and through the pages (a learner
who opens the dashboard, an instructor who types another cohort's id into the URL)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from streamlit.testing.v1 import AppTest

from trainer.db.engine import session_scope
from trainer.db.models import utcnow
from trainer.services import analytics as an
from trainer.services import attempts as att
from trainer.services import cohorts as co
from trainer.services import export
from trainer.settings import PROJECT_ROOT


@pytest.fixture
def two_classes(engine, make_user, mini_bank):
    """Cohort A (teacher A, learner "alice" with work), cohort B (teacher B, learner "bob")."""
    teacher_a, teacher_b = make_user("teacher-a", "instructor"), make_user("teacher-b", "instructor")
    alice, bob = make_user("alice"), make_user("bob")
    admin = make_user("admin", "admin")
    with session_scope(engine) as s:
        a = co.create_cohort(session=s, user_id=teacher_a.id, name="Secret class A")
        b = co.create_cohort(session=s, user_id=teacher_b.id, name="Class B")
        co.join_cohort(session=s, user_id=alice.id, code=a.join_code)
        co.join_cohort(session=s, user_id=bob.id, code=b.join_code)
        task_a = co.create_assignment(session=s, bank=mini_bank, user_id=teacher_a.id,
                                      cohort_id=a.id, title="A's homework",
                                      due_at=utcnow() + timedelta(days=3),
                                      item_ids=("mini.single",))
        task_b = co.create_assignment(session=s, bank=mini_bank, user_id=teacher_b.id,
                                      cohort_id=b.id, title="B's homework",
                                      due_at=utcnow() + timedelta(days=3),
                                      item_ids=("mini.tf",))
    with session_scope(engine) as s:
        attempt = co.start_assignment(session=s, bank=mini_bank, user_id=alice.id,
                                      assignment_id=task_a.id)
        att.record_answer(session=s, bank=mini_bank, user_id=alice.id, attempt_id=attempt.id,
                          item_id="mini.single", answer=1)
        att.finish_attempt(session=s, user_id=alice.id, attempt_id=attempt.id)
    return dict(teacher_a=teacher_a, teacher_b=teacher_b, alice=alice, bob=bob, admin=admin,
                a=a, b=b, task_a=task_a, task_b=task_b, attempt=attempt)


def readers(bank, w) -> dict[str, Callable]:
    """Every function that reads a cohort's data, aimed at cohort A."""
    a = w["a"].id
    return {
        "overview": lambda s, u: an.overview(session=s, bank=bank, user_id=u, cohort_id=a),
        "item_analysis": lambda s, u: an.item_analysis(session=s, bank=bank, user_id=u,
                                                       cohort_id=a),
        "item_analysis_assignment": lambda s, u: an.item_analysis(
            session=s, bank=bank, user_id=u, cohort_id=a, assignment_id=w["task_a"].id),
        "region_knowledge": lambda s, u: an.region_knowledge(session=s, bank=bank, user_id=u,
                                                             cohort_id=a),
        "learner_detail": lambda s, u: an.learner_detail(session=s, bank=bank, user_id=u,
                                                         cohort_id=a, learner_id=w["alice"].id),
        "attempt_answers": lambda s, u: an.attempt_answers(
            session=s, bank=bank, user_id=u, cohort_id=a, attempt_id=w["attempt"].id),
        "roster_csv": lambda s, u: export.roster_csv(session=s, bank=bank, user_id=u,
                                                     cohort_id=a),
        "responses_csv": lambda s, u: export.responses_csv(session=s, bank=bank, user_id=u,
                                                           cohort_id=a),
        "members": lambda s, u: co.members(session=s, user_id=u, cohort_id=a),
        "assignments_of": lambda s, u: co.assignments_of(session=s, user_id=u, cohort_id=a),
        "rotate_join_code": lambda s, u: co.rotate_join_code(session=s, user_id=u, cohort_id=a),
        "remove_member": lambda s, u: co.remove_member(session=s, user_id=u, cohort_id=a,
                                                       member_id=w["alice"].id),
        "get_assignment": lambda s, u: co.get_assignment(session=s, user_id=u,
                                                         assignment_id=w["task_a"].id),
        "update_assignment": lambda s, u: co.update_assignment(
            session=s, user_id=u, assignment_id=w["task_a"].id, attempts_allowed=5),
        "create_assignment": lambda s, u: co.create_assignment(
            session=s, bank=bank, user_id=u, cohort_id=a, title="x",
            due_at=utcnow(), item_ids=("mini.tf",)),
    }


@pytest.mark.parametrize("who", ["alice", "bob", "teacher_b"])
def test_no_reader_serves_anyone_but_the_cohorts_teachers(engine, mini_bank, two_classes,
                                                          who) -> None:
    """A learner of the cohort, a learner of another cohort, and another cohort's teacher:
    every reading (and changing) function refuses, with the same message, and leaks nothing."""
    for name, read in readers(mini_bank, two_classes).items():
        with session_scope(engine) as s, pytest.raises(co.NotAllowed) as refused:
            read(s, two_classes[who].id)
        assert "alice" not in str(refused.value) and "Secret" not in str(refused.value), name


def test_the_teacher_and_an_admin_may_read(engine, mini_bank, two_classes) -> None:
    for who in ("teacher_a", "admin"):
        for name, read in readers(mini_bank, two_classes).items():
            if name in ("remove_member", "rotate_join_code"):
                continue  # changes, tested elsewhere
            with session_scope(engine) as s:
                assert read(s, two_classes[who].id) is not None or name == "update_assignment"


def test_a_teacher_cannot_reach_another_cohorts_learner_through_their_own(
        engine, mini_bank, two_classes) -> None:
    w = two_classes
    with session_scope(engine) as s:
        with pytest.raises(co.NotAllowed):  # bob is not in cohort A
            an.learner_detail(session=s, bank=mini_bank, user_id=w["teacher_a"].id,
                              cohort_id=w["a"].id, learner_id=w["bob"].id)
        with pytest.raises(co.NotAllowed):  # B's assignment through A's id
            an.item_analysis(session=s, bank=mini_bank, user_id=w["teacher_a"].id,
                             cohort_id=w["a"].id, assignment_id=w["task_b"].id)
        with pytest.raises(co.NotAllowed):
            export.responses_csv(session=s, bank=mini_bank, user_id=w["teacher_a"].id,
                                 cohort_id=w["a"].id, assignment_id=w["task_b"].id)
        assert [c.id for c in co.cohorts_taught(session=s, user_id=w["teacher_a"].id)] == [
            w["a"].id]
        assert co.cohorts_taught(session=s, user_id=w["alice"].id) == []
        # B's roster has only bob, nothing of alice
        roster = an.overview(session=s, bank=mini_bank, user_id=w["teacher_b"].id,
                             cohort_id=w["b"].id).roster
        assert [r.username for r in roster] == ["bob"] and roster[0].answers == 0


def test_learners_see_only_their_own_assignments(engine, mini_bank, two_classes) -> None:
    w = two_classes
    with session_scope(engine) as s:
        mine = co.my_assignments(session=s, bank=mini_bank, user_id=w["bob"].id)
        assert [a.title for a in mine] == ["B's homework"] and mine[0].score is None
        with pytest.raises(co.NotAllowed):
            co.start_assignment(session=s, bank=mini_bank, user_id=w["bob"].id,
                                assignment_id=w["task_a"].id)
        with pytest.raises(att.AttemptError):  # alice's attempt, through the quiz service
            att.responses_of(session=s, user_id=w["bob"].id, attempt_id=w["attempt"].id)


# --- through the pages -------------------------------------------------------------------------

def everything_shown(at: AppTest) -> str:
    parts = [str(e.value) for kind in ("markdown", "caption", "error", "warning", "info",
                                       "success", "subheader", "title", "text")
             for e in getattr(at, kind)]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    parts += [d.value.to_string() for d in at.dataframe]
    parts += [str(o) for sb in at.selectbox for o in sb.options]
    return "\n".join(parts)


@pytest.mark.parametrize("page", ["pages/dashboard.py", "pages/cohorts.py"])
def test_a_learner_who_opens_an_instructor_page_gets_not_allowed(sign_in, two_classes,
                                                                page) -> None:
    """The page is not in a learner's navigation; run directly (as a typed URL would if it
    were), its own role check stops it before any data is read."""
    sign_in(two_classes["alice"])
    at = AppTest.from_file(str(PROJECT_ROOT / page), default_timeout=30)
    at.query_params["cohort"] = str(two_classes["a"].id)
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == ["You are not allowed to see this page."]
    assert not at.dataframe and not at.metric and not at.selectbox
    shown = everything_shown(at)
    assert "Secret class A" not in shown and "alice" not in shown


def test_an_instructor_of_another_cohort_gets_nothing(sign_in, two_classes) -> None:
    sign_in(two_classes["teacher_b"])
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=30).run()
    at.query_params["cohort"] = str(two_classes["a"].id)
    at.switch_page(str(PROJECT_ROOT / "pages/dashboard.py")).run()
    assert not at.exception
    assert [e.value for e in at.error] == [co.NOT_ALLOWED]
    assert not at.dataframe and not at.metric
    shown = everything_shown(at)
    assert "Secret class A" not in shown and "alice" not in shown
    # the cohorts page offers only B's cohort, whatever the URL says
    at.switch_page(str(PROJECT_ROOT / "pages/cohorts.py")).run()
    shown = everything_shown(at)
    assert "Class B" in shown and "Secret class A" not in shown and "alice" not in shown


def test_a_learner_home_page_shows_only_their_own_work(sign_in, two_classes) -> None:
    sign_in(two_classes["bob"])
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=30).run()
    shown = everything_shown(at)
    assert "B's homework" in shown and "A's homework" not in shown and "alice" not in shown
