"""The instructor pages and the learner's side of assignments, run by Streamlit's AppTest.

As in tests/test_pages.py: a real database on both backends and the mini bank; the session
cookie reader is patched to hand over a real token (AppTest has no cookies).
"""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from apptest_support import run_app, texts
from sqlalchemy import select

from trainer.db.engine import session_scope
from trainer.db.models import Assignment, Attempt, Cohort, utcnow
from trainer.services import attempts as att
from trainer.services import cohorts as co
from trainer.settings import PROJECT_ROOT


@pytest.fixture
def cohort_with_work(engine, make_user, mini_bank):
    """A teacher, a cohort, two learners and an assignment one of them has done."""
    teacher = make_user("teacher", "instructor")
    done, idle = make_user("keen"), make_user("idle")
    with session_scope(engine) as s:
        cohort = co.create_cohort(session=s, user_id=teacher.id, name="Level 1", term="Spring")
        for learner in (done, idle):
            co.join_cohort(session=s, user_id=learner.id, code=cohort.join_code)
        task = co.create_assignment(session=s, bank=mini_bank, user_id=teacher.id,
                                    cohort_id=cohort.id, title="Homework 1",
                                    due_at=utcnow() - timedelta(hours=1),
                                    item_ids=("mini.single", "mini.tf"))
    with session_scope(engine) as s:
        attempt = co.start_assignment(session=s, bank=mini_bank, user_id=done.id,
                                      assignment_id=task.id,
                                      now=utcnow() - timedelta(hours=3))
        for item_id, answer in (("mini.single", 1), ("mini.tf", False)):
            att.record_answer(session=s, bank=mini_bank, user_id=done.id, attempt_id=attempt.id,
                              item_id=item_id, answer=answer, now=utcnow() - timedelta(hours=3))
        att.finish_attempt(session=s, user_id=done.id, attempt_id=attempt.id,
                           now=utcnow() - timedelta(hours=3))
    return SimpleNamespace(teacher=teacher, cohort=cohort, task=task, done=done, idle=idle)


def test_instructor_creates_a_cohort_and_an_assignment(sign_in, make_user, engine) -> None:
    teacher = make_user("teacher", "instructor")
    sign_in(teacher)
    at = run_app("pages/cohorts.py")
    assert "You teach no cohort yet" in texts(at)
    at.text_input(key="cohorts.new.name").input("NMT Level 2")
    at.text_input(key="cohorts.new.term").input("Autumn")
    at.button(key="cohorts.new.create").click().run()
    assert not at.exception, at.exception
    with session_scope(engine) as s:
        cohort = s.scalar(select(Cohort))
    assert cohort is not None and cohort.name == "NMT Level 2"
    shown = co.format_join_code(cohort.join_code)
    assert shown in texts(at)
    k = f"assign.new.{cohort.id}"
    at.text_input(key=f"{k}.title").input("Week 1")
    at.multiselect(key=f"{k}.tags").set_value(["alpha"]).run()
    at.number_input(key=f"{k}.count").set_value(2).run()
    assert "2 questions match" in texts(at)
    at.radio(key=f"{k}.source").set_value("same").run()
    at.button(key=f"{k}.create").click().run()
    assert not at.exception, at.exception
    with session_scope(engine) as s:
        task = s.scalar(select(Assignment))
    assert task is not None and task.title == "Week 1" and task.cohort_id == cohort.id
    assert sorted(task.spec["item_ids"]) == ["mini.multi", "mini.single"]
    assert (task.attempts_allowed, task.pass_mark, task.mode) == (2, 0.7, "practice")
    assert "“Week 1” assigned" in texts(at)


def test_learner_joins_with_the_code_and_starts_the_assignment(
        sign_in, make_user, engine, cohort_with_work) -> None:
    w = cohort_with_work
    newcomer = make_user("newcomer")
    sign_in(newcomer)
    home = run_app()
    assert "Join a class" in texts(home) or any(
        "join" in str(p.proto.page).lower() for p in home.get("page_link"))
    at = run_app("pages/join.py")
    at.text_input(key="join.code").input(co.format_join_code(w.cohort.join_code).lower())
    at.button(key="join.submit").click().run()
    assert "You joined Level 1" in texts(at)
    home = run_app()
    assert "My assignments" in texts(home) and "Homework 1" in texts(home)
    assert "missing" in [b.proto.label for b in home.get("badge")] or "missing" in texts(home)
    home.button(key=f"assignment.start.{w.task.id}").click().run()
    assert not home.exception, home.exception
    with session_scope(engine) as s:
        attempt = att.open_attempt(session=s, user_id=newcomer.id)
    assert attempt is not None and attempt.assignment_id == w.task.id
    assert "Homework 1" in texts(home)  # the quiz page runs it: its title is the heading


def test_dashboard_shows_the_cohort_at_a_glance(sign_in, cohort_with_work) -> None:
    w = cohort_with_work
    sign_in(w.teacher)
    at = run_app("pages/dashboard.py", {"cohort": str(w.cohort.id)})
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Learners"] == "2" and metrics["At risk"] == "1 of 2"
    body = texts(at)
    for heading in ("Who is behind", "Topics the class has not got", "Questions to check"):
        assert heading in body
    assert "idle" in body and "1 missing" in body  # the learner who did nothing, and why
    roster = at.dataframe[0].value
    assert list(roster["Learner"]) == ["idle", "keen"]  # at risk first
    assert roster.set_index("Learner").loc["keen", "Done"] == 1


@pytest.mark.parametrize("tab", ["Topics", "Assignments", "Questions", "Body map", "Learner",
                                 "Export"])
def test_every_dashboard_tab_renders(sign_in, cohort_with_work, tab) -> None:
    w = cohort_with_work
    sign_in(w.teacher)
    at = run_app("pages/dashboard.py", {"cohort": str(w.cohort.id), "tab": tab})
    assert not at.exception
    body = texts(at)
    if tab == "Questions":
        assert "Facility = mean score" in body and at.dataframe
    elif tab == "Learner":
        assert any(m.label == "Answers" for m in at.metric)
    elif tab == "Assignments":
        assert "Homework 1" in at.dataframe[0].value.to_string()
    elif tab == "Export":
        assert any("Columns of the responses files" in e.label for e in at.expander)


def test_question_link_opens_that_question(sign_in, cohort_with_work) -> None:
    w = cohort_with_work
    sign_in(w.teacher)
    at = run_app("pages/dashboard.py", {"cohort": str(w.cohort.id), "tab": "Questions",
                                        "item": "mini.tf"})
    assert at.selectbox(key="dash.item").value == "mini.tf"
    assert "Latent trigger points cause spontaneous pain." in texts(at)


def test_roster_row_click_opens_the_learner(sign_in, cohort_with_work) -> None:
    w = cohort_with_work
    sign_in(w.teacher)
    at = run_app("pages/dashboard.py", {"cohort": str(w.cohort.id), "learner": str(w.done.id),
                                        "tab": "Learner"})
    assert at.selectbox(key="dash.learner").value == w.done.id
    assert "keen" in texts(at)


def test_teacher_removes_a_learner_and_adds_a_co_instructor(
        sign_in, make_user, engine, cohort_with_work) -> None:
    w = cohort_with_work
    make_user("helper", "instructor")
    sign_in(w.teacher)
    at = run_app("pages/cohorts.py")
    at.selectbox(key=f"people.remove.{w.cohort.id}").set_value(w.idle.id).run()
    at.button(key=f"people.remove.go.{w.cohort.id}").click().run()
    at.text_input(key=f"people.add.{w.cohort.id}").input("helper").run()
    at.button(key=f"people.add.go.{w.cohort.id}").click().run()
    assert not at.exception
    with session_scope(engine) as s:
        people = {m.username: m.role for m in co.members(session=s, user_id=w.teacher.id,
                                                         cohort_id=w.cohort.id)}
    assert people == {"teacher": "instructor", "helper": "instructor", "keen": "learner"}


def test_pages_are_listed_by_role(sign_in, make_user) -> None:
    sign_in(make_user("learner1"))
    at = run_app()
    links = [link.proto.label for link in at.get("page_link")]
    assert "Join a class" in links  # learners may join
    assert "Cohorts" not in links and "Cohort dashboard" not in links
    for page in ("pages/cohorts.py", "pages/dashboard.py"):
        at.switch_page(str(PROJECT_ROOT / page)).run()  # the URL typed by hand
        assert [e.value for e in at.error] == ["You are not allowed to see this page."]
        assert not at.dataframe and not at.metric and not at.selectbox
    sign_in(make_user("teacher1", role="instructor"))
    links = [link.proto.label for link in run_app().get("page_link")]
    assert "Cohorts" in links and "Cohort dashboard" in links


def test_starting_beyond_the_attempts_allowed_is_refused(
        sign_in, engine, mini_bank, cohort_with_work) -> None:
    w = cohort_with_work
    with session_scope(engine) as s:
        s.get(Assignment, w.task.id).attempts_allowed = 1
    sign_in(w.done)
    home = run_app()
    assert f"assignment.start.{w.task.id}" not in {b.key for b in home.button}
    assert "No attempts left" in texts(home) or "Passed" in texts(home)
    with session_scope(engine) as s:
        assert len(s.scalars(select(Attempt).where(Attempt.user_id == w.done.id)).all()) == 1
