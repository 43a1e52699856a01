"""The progress page: what is due, the days ahead, the streak, mastery by topic, the exam.

Every number comes from trainer.services.mastery (and the due queue of trainer.services.review),
so this module only lays them out; the mastery method is shown from the service's own
docstring so the explanation cannot drift from the code.
"""

from __future__ import annotations

import inspect
from datetime import date, timedelta

import altair as alt
import streamlit as st

from trainer.content import QuestionBank
from trainer.db.engine import session_scope
from trainer.services import mastery as svc
from trainer.services import review as review_svc
from trainer.services.auth import CurrentUser
from trainer.ui.resources import get_engine


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.0f}%"


def progress_page(user: CurrentUser, bank: QuestionBank) -> None:
    with session_scope(get_engine()) as s:
        queue = review_svc.build_queue(session=s, bank=bank, user_id=user.id)
        topics = svc.topic_mastery(session=s, bank=bank, user_id=user.id)
        days = svc.forecast(session=s, user_id=user.id)
        streak = svc.review_streak(session=s, user_id=user.id)
        settings = review_svc.get_study_settings(session=s, user_id=user.id)
    total_units = sum(t.questions + t.cards for t in topics)
    overall = (sum(t.quiz_points + t.recall_points for t in topics) / total_units
               if total_units else 0.0)

    cols = st.columns(4)
    cols[0].metric("Cards due today", queue.review + queue.learning,
                   help="Reviews and learning steps left today, within your daily limits "
                        "(days are UTC days).")
    cols[1].metric("Review streak", f"{streak.current} day{'s' if streak.current != 1 else ''}",
                   help="Days in a row (UTC) with at least one flashcard review or quiz answer; "
                        f"longest: {streak.longest}. "
                        + ("Studied today." if streak.studied_today
                           else "Study today to keep it going."))
    cols[2].metric("Overall mastery", _pct(overall),
                   help="All topics together, by the method explained below.")
    cols[3].metric("Cards studied", f"{queue.seen} / {queue.deck_size}")
    st.page_link("pages/review.py", label=f"Review flashcards ({queue.new} new card(s) ready "
                 "to learn today)", icon=":material/style:")

    st.subheader("What to study next")
    st.caption("Your topics of lowest mastery, each with one concrete next step.")
    decks = {d.id for d in review_svc.decks(bank)}
    for m in svc.weakest_topics(topics):
        with st.container(border=True, horizontal=True, vertical_alignment="center"):
            st.markdown(f"**{m.title}** · mastery {_pct(m.mastery)}  \n{svc.next_step(m)}",
                        width="stretch")
            if m.studied < m.cards or m.due_cards:
                if f"topic:{m.topic}" in decks:
                    st.page_link("pages/review.py", label="Open the deck", icon=":material/style:",
                                 query_params={"deck": f"topic:{m.topic}"})
            else:
                st.page_link("pages/quiz.py", label="Go to quizzes", icon=":material/quiz:")

    st.subheader("Reviews due in the next 14 days")
    forecast_chart(days)

    st.subheader("Mastery by topic")
    mastery_chart(topics)
    st.dataframe([{
        "Topic": m.title, "Mastery": _pct(m.mastery),
        "Questions answered": f"{m.answered} / {m.questions}",
        "Quiz score (latest answers)": _pct(m.quiz_accuracy),
        "Cards studied": f"{m.studied} / {m.cards}",
        "Recall now (studied cards)": _pct(m.card_recall),
        "Cards due today": m.due_cards,
    } for m in topics], hide_index=True)
    with st.expander("How mastery is computed"):
        st.markdown(inspect.getdoc(svc.topic_mastery) or "")

    st.subheader("Before your exam")
    exam_section(user, bank, settings)


def forecast_chart(days: list[svc.ForecastDay]) -> None:
    if not any(d.due for d in days):
        st.info("No reviews due in the next 14 days yet: study some flashcards and they will "
                "be scheduled here.")
        return
    rows = [{"day": d.day.strftime("%a %d %b %Y"),
             "label": "Today" if n == 0 else d.day.strftime("%a %d"), "due": d.due}
            for n, d in enumerate(days)]
    chart = alt.Chart(alt.Data(values=rows)).mark_bar().encode(
        x=alt.X("label:N", sort=None, title=None,
                axis=alt.Axis(labelAngle=0, labelOverlap=False)),
        y=alt.Y("due:Q", title="Cards due", axis=alt.Axis(tickMinStep=1)),
        tooltip=[alt.Tooltip("day:N", title="Day (UTC)"), alt.Tooltip("due:Q", title="Due")],
    ).properties(height=220)
    st.altair_chart(chart, width="stretch")
    st.caption("Today includes overdue cards. Days are UTC days, as in the flashcard limits.")


def mastery_chart(topics: list[svc.TopicMastery]) -> None:
    rows = [{"topic": m.title, "mastery": round(100 * m.mastery, 1),
             "quiz": round(100 * m.quiz_points / m.questions, 1) if m.questions else 0.0,
             "cards": round(100 * m.recall_points / m.cards, 1) if m.cards else 0.0}
            for m in topics]
    chart = alt.Chart(alt.Data(values=rows)).mark_bar().encode(
        y=alt.Y("topic:N", sort="x", title=None, axis=alt.Axis(labelLimit=320)),
        x=alt.X("mastery:Q", title="Mastery %", scale=alt.Scale(domain=[0, 100])),
        tooltip=[alt.Tooltip("topic:N", title="Topic"),
                 alt.Tooltip("mastery:Q", title="Mastery %"),
                 alt.Tooltip("quiz:Q", title="Quiz part %"),
                 alt.Tooltip("cards:Q", title="Flashcard part %")],
    ).properties(height=max(120, 28 * len(rows)))
    st.altair_chart(chart, width="stretch")


def exam_section(user: CurrentUser, bank: QuestionBank, settings: review_svc.StudySettings) -> None:
    key = f"progress.exam.{user.id}"

    def save() -> None:
        with session_scope(get_engine()) as s:
            review_svc.update_study_settings(session=s, user_id=user.id,
                                             exam_date=st.session_state[key])

    today = review_svc.day_start(review_svc.as_utc(None)).date()
    stored = settings.exam_date if settings.exam_date and settings.exam_date >= today else None
    exam = st.date_input("Exam date", value=stored, min_value=today,
                         max_value=today + timedelta(days=3 * 365),
                         key=key, on_change=save, format="YYYY-MM-DD",
                         help="Choose the day of your exam to see which topics will have "
                              "faded below your target by then.")
    if not isinstance(exam, date):
        st.caption("No exam date chosen.")
        return
    with session_scope(get_engine()) as s:
        outlook = svc.exam_outlook(session=s, bank=bank, user_id=user.id, exam_date=exam)
    target = settings.desired_retention
    falling = [o for o in outlook if o.falls_below]
    days_left = (exam - today).days
    if falling:
        st.warning(f"{len(falling)} topic(s) will be below your target retention of "
                   f"{_pct(target)} on {exam:%d %b %Y} ({days_left} day(s) away) unless you "
                   "review them:")
    else:
        st.success(f"Every topic with flashcards is predicted at or above your target "
                   f"retention of {_pct(target)} on {exam:%d %b %Y}.")
    st.dataframe([{
        "Topic": o.title, "Predicted recall on exam day": _pct(o.predicted),
        "Studied cards only": _pct(o.predicted_studied),
        "Cards studied": f"{o.studied} / {o.cards}",
        "Cards below target": o.below_target_cards,
        "Status": o.reason,
    } for o in outlook], hide_index=True)
    st.caption(inspect.getdoc(svc.exam_outlook) or "")
