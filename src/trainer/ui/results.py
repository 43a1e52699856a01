"""Results of one attempt, and the history of all of a learner's attempts."""

from __future__ import annotations

import altair as alt
import streamlit as st

from trainer.content import QuestionBank
from trainer.db.engine import session_scope
from trainer.db.models import AttemptMode, AttemptStatus
from trainer.services import attempts as svc
from trainer.services.auth import CurrentUser
from trainer.ui.items import describe_answer, key_text, prompt_of
from trainer.ui.quiz_state import ACTIVE, FINISHED
from trainer.ui.resources import get_engine

MODE_NAMES = {"practice": "Practice", "exam": "Exam", "weak_spots": "Weak spots",
              "retry": "Retry"}


def results_view(user: CurrentUser, bank: QuestionBank, attempt_id: int | None) -> None:
    if attempt_id is None:
        st.info("Choose a quiz from your history to see its results.")
        st.page_link("pages/history.py", label="My history", icon=":material/history:")
        return
    try:
        with session_scope(get_engine()) as s:
            attempt = svc.get_attempt(session=s, user_id=user.id, attempt_id=attempt_id)
            responses = svc.responses_of(session=s, user_id=user.id, attempt_id=attempt_id)
            topics = svc.topic_breakdown(session=s, bank=bank, user_id=user.id, attempt=attempt)
            missed = svc.missed_item_ids(session=s, user_id=user.id, attempt=attempt)
    except svc.AttemptError as exc:
        st.error(str(exc))
        return
    st.subheader(attempt.title)
    if attempt.status == AttemptStatus.in_progress:
        st.info("This quiz is still running.")
        st.page_link("pages/quiz.py", label="Back to the quiz", icon=":material/quiz:")
        return
    score, max_score = attempt.score or 0.0, attempt.max_score or 1.0
    cols = st.columns(4)
    cols[0].metric("Score", f"{100 * score / max_score:.0f}%")
    cols[1].metric("Points", f"{score:.1f} / {max_score:.0f}")
    cols[2].metric("Answered", f"{len(responses)} / {len(attempt.item_ids)}")
    cols[3].metric("Mode", MODE_NAMES.get(attempt.mode, attempt.mode))
    if attempt.status == AttemptStatus.timed_out:
        st.warning("Time ran out: the exam was submitted with the answers given by then.")

    st.markdown("#### By topic")
    rows = [{"Topic": t.title, "Questions": t.items, "Answered": t.answered,
             "Score %": round(t.percent)} for t in topics]
    st.dataframe(rows, hide_index=True)
    if missed and st.button(f"Retry the {len(missed)} question(s) I missed", type="primary",
                            key="results.retry"):
        with session_scope(get_engine()) as s:
            retry = svc.start_attempt(session=s, bank=bank, user_id=user.id, spec=svc.QuizSpec(
                mode=AttemptMode.retry, item_ids=tuple(missed), title=f"Retry: {attempt.title}"))
        st.session_state[ACTIVE] = retry.id
        st.session_state.pop(FINISHED, None)
        st.switch_page("pages/quiz.py")

    st.markdown("#### Every question")
    for n, item_id in enumerate(attempt.item_ids, start=1):
        item = bank.by_id.get(item_id)
        response = responses.get(item_id)
        mark = "✅" if response and response.correct else ("🟨" if response and response.score > 0
                                                         else "❌")
        if item is None:
            st.write(f"{n}. (question removed from the bank)")
            continue
        with st.expander(f"{mark} {n}. {prompt_of(item)}"):
            st.markdown(f"**Your answer:** "
                        f"{describe_answer(item, response.answer if response else None, bank)}")
            st.markdown(f"**Right answer:** {key_text(item, bank)}")
            st.markdown(f"**Why:** {item.explanation}")
            st.caption(f"Source: {item.source}")


def history_view(user: CurrentUser, bank: QuestionBank) -> None:
    with session_scope(get_engine()) as s:
        past = svc.history(session=s, user_id=user.id)
    if not past:
        st.info("No finished quizzes yet. Your results will appear here.")
        st.page_link("pages/quiz.py", label="Start a quiz", icon=":material/quiz:")
        return
    rows = [{
        "Finished": a.finished_at.strftime("%Y-%m-%d %H:%M") if a.finished_at else "",
        "Mode": MODE_NAMES.get(a.mode, a.mode),
        "Quiz": a.title,
        "Topics": ", ".join(bank.topic_title(t) for t in a.settings.get("topics", [])) or "All",
        "Score %": round(100 * (a.score or 0) / (a.max_score or 1)),
        "Status": "timed out" if a.status == AttemptStatus.timed_out else "submitted",
        "id": a.id,
    } for a in past]
    chart = alt.Chart(alt.Data(values=[
        {"finished": a.finished_at.isoformat(), "percent": r["Score %"], "quiz": r["Quiz"],
         "mode": r["Mode"]} for a, r in zip(past, rows, strict=True) if a.finished_at])
    ).mark_line(point=True).encode(
        x=alt.X("finished:T", title="Finished"),
        y=alt.Y("percent:Q", title="Score %", scale=alt.Scale(domain=[0, 100])),
        color=alt.Color("mode:N", title="Mode"),
        tooltip=["quiz:N", "percent:Q", "finished:T"])
    st.altair_chart(chart, width="stretch")
    st.dataframe([{k: v for k, v in r.items() if k != "id"} for r in rows], hide_index=True)
    choice = st.selectbox("Open the results of", rows, format_func=lambda r: (
        f"{r['Finished']} · {r['Quiz']} · {r['Score %']}%"), key="history.pick")
    if choice is not None:
        st.page_link("pages/results.py", label="Show results", icon=":material/fact_check:",
                     query_params={"attempt": str(choice["id"])})
