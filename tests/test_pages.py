"""The pages, run by Streamlit's AppTest against a real database and the mini bank.

AppTest has no cookies, so the session-cookie reader is patched to hand over a real token
created by the auth service; everything else is the real app.
"""

from __future__ import annotations

from datetime import timedelta

from apptest_support import run_app, texts
from sqlalchemy import update
from streamlit.testing.v1 import AppTest

from trainer.db.engine import session_scope
from trainer.db.models import Attempt, utcnow
from trainer.services import attempts as svc
from trainer.settings import PROJECT_ROOT


def test_home_shows_bank_counts_to_anyone(app_env) -> None:
    at = run_app()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Questions and cards"] == "8"
    assert metrics["Topics"] == "1"


def sidebar_links(at: AppTest) -> list[str]:
    return [link.proto.label for link in at.get("page_link")]


def test_signed_out_visitors_see_public_links_and_a_sign_in_prompt(app_env) -> None:
    at = run_app()
    assert sidebar_links(at) == ["Home", "Sign in", "Create account"]
    for page in ("pages/quiz.py", "pages/results.py", "pages/history.py", "pages/review.py",
                 "pages/progress.py", "pages/join.py"):
        at.switch_page(str(PROJECT_ROOT / page)).run()  # a typed or bookmarked URL
        assert "Please sign in to use this page." in texts(at)
        assert not at.button and not at.metric and not at.dataframe  # nothing of the quiz


def test_expired_session_is_signed_out(sign_in, make_user, engine) -> None:
    from sqlalchemy import delete

    from trainer.db.models import AuthSession

    sign_in(make_user())
    assert "Signed in as" in "".join(c.value for c in run_app().caption)
    with session_scope(engine) as s:
        s.execute(delete(AuthSession))  # signing out elsewhere / an admin revoking the session
    assert "Signed in as" not in "".join(c.value for c in run_app().caption)


def answer_correctly(at: AppTest, attempt_id: int, item_id: str) -> None:
    key = f"a{attempt_id}.{item_id}"
    if item_id == "mini.single":
        at.radio(key=f"{key}.radio").set_value(1)
    else:  # mini.multi: right options A, B, D
        for i in (0, 1, 3):
            at.checkbox(key=f"{key}.cb{i}").check()
    at.run()
    at.button(key=f"{key}.check").click().run()


def progress_text(at: AppTest) -> str:
    return at.get("progress")[0].proto.text


def test_practice_quiz_feedback_and_resume_after_refresh(sign_in, make_user, engine) -> None:
    user = make_user()
    sign_in(user)
    at = run_app("pages/quiz.py")
    at.multiselect(key="setup.tags").set_value(["alpha"]).run()
    at.number_input(key="setup.count").set_value(2).run()
    at.button(key="setup.start").click().run()
    with session_scope(engine) as s:
        attempt = svc.open_attempt(session=s, user_id=user.id)
    assert attempt is not None and sorted(attempt.item_ids) == ["mini.multi", "mini.single"]
    first, second = attempt.item_ids
    assert "Question 1 of 2" in progress_text(at)

    answer_correctly(at, attempt.id, first)
    assert next(x.value for x in at.success).startswith("Correct")
    assert "Why:" in texts(at)

    # a refresh is a new session: it is offered to resume, and lands on the same question
    fresh = run_app("pages/quiz.py")
    assert "You have an unfinished quiz" in texts(fresh)
    assert "1 of 2 answered" in texts(fresh)
    fresh.button(key="resume.yes").click().run()
    assert "Question 1 of 2" in progress_text(fresh)
    assert next(x.value for x in fresh.success).startswith("Correct")  # feedback, not a blank form
    fresh.button(key=f"a{attempt.id}.{first}.next").click().run()
    assert "Question 2 of 2" in progress_text(fresh)
    answer_correctly(fresh, attempt.id, second)
    fresh.button(key=f"a{attempt.id}.{second}.finish").click().run()
    assert not fresh.exception
    with session_scope(engine) as s:
        (done,) = svc.history(session=s, user_id=user.id)
    assert (done.score, done.max_score) == (2.0, 2.0)


def test_results_page_shows_score_and_topics(sign_in, make_user, engine, mini_bank) -> None:
    user = make_user()
    sign_in(user)
    with session_scope(engine) as s:
        attempt = svc.start_attempt(session=s, bank=mini_bank, user_id=user.id, spec=svc.QuizSpec(
            item_ids=("mini.single", "mini.tf")))
        svc.record_answer(session=s, bank=mini_bank, user_id=user.id, attempt_id=attempt.id,
                          item_id="mini.single", answer=1)
        svc.finish_attempt(session=s, user_id=user.id, attempt_id=attempt.id)
    at = run_app("pages/results.py", {"attempt": str(attempt.id)})
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Score"] == "50%" and metrics["Answered"] == "1 / 2"
    assert at.button(key="results.retry").label.startswith("Retry the 1 question")
    at.button(key="results.retry").click().run()
    with session_scope(engine) as s:
        retry = svc.open_attempt(session=s, user_id=user.id)
    assert retry is not None and retry.item_ids == ["mini.tf"] and retry.mode == "retry"


def test_results_of_another_learner_show_nothing(sign_in, make_user, engine, mini_bank) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    with session_scope(engine) as s:
        attempt = svc.start_attempt(session=s, bank=mini_bank, user_id=alice.id,
                                    spec=svc.QuizSpec(item_ids=("mini.single",)))
        svc.finish_attempt(session=s, user_id=alice.id, attempt_id=attempt.id)
    sign_in(bob)
    at = run_app("pages/results.py", {"attempt": str(attempt.id)})
    assert "does not exist or is not yours" in texts(at)
    assert not at.metric


def test_exam_that_ran_out_of_time_lands_on_results(sign_in, make_user, engine) -> None:
    user = make_user()
    sign_in(user)
    at = run_app("pages/quiz.py")
    at.radio(key="setup.mode").set_value("exam").run()
    at.number_input(key="setup.exam_count").set_value(2).run()
    at.number_input(key="setup.minutes").set_value(5).run()
    at.button(key="setup.start").click().run()
    assert any(m.label == "Time left" for m in at.metric)
    with session_scope(engine) as s:
        s.execute(update(Attempt).values(deadline_at=utcnow() - timedelta(seconds=1)))
    pass
    at.run()  # the clock's rerun: the exam is closed and the tab moves to the results
    at.run()
    print("TITLES", [t.value for t in at.title], at.query_params)
    assert "Time ran out" in texts(at)


def test_history_lists_finished_attempts(sign_in, make_user, engine, mini_bank) -> None:
    user = make_user()
    sign_in(user)
    at = run_app("pages/history.py")
    assert "No finished quizzes yet" in texts(at)
    with session_scope(engine) as s:
        attempt = svc.start_attempt(session=s, bank=mini_bank, user_id=user.id,
                                    spec=svc.QuizSpec(item_ids=("mini.tf",), title="Quick one"))
        svc.finish_attempt(session=s, user_id=user.id, attempt_id=attempt.id)
    at = run_app("pages/history.py")
    assert at.dataframe and "Quick one" in at.dataframe[0].value.to_string()
