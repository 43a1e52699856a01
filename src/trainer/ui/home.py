"""Widgets of the home page: a learner's assignments, joining a class, the bank at a glance."""

from __future__ import annotations

from datetime import datetime, tzinfo

import streamlit as st

from trainer.content import QuestionBank
from trainer.content.schema import ITEM_TYPES
from trainer.db.engine import session_scope
from trainer.db.models import utcnow
from trainer.services import cohorts as svc
from trainer.services.auth import CurrentUser
from trainer.ui.items import escape_markdown
from trainer.ui.quiz_state import ACTIVE, FINISHED
from trainer.ui.resources import get_engine

TYPE_LABELS = {
    "single_choice": "Single choice", "multiple_select": "Multiple select",
    "true_false": "True/false", "matching": "Matching", "ordering": "Ordering",
    "short_answer": "Short answer", "hotspot": "Body map", "flashcard": "Flashcard",
}


def render_bank_overview(bank: QuestionBank) -> None:
    summary = bank.summary()
    cols = st.columns(5)
    cols[0].metric("Questions and cards", summary["total"])
    cols[1].metric("Topics", len(summary["by_topic"]))
    cols[2].metric("Atlas muscles", summary["muscles"])
    cols[3].metric("Clinical vignettes", summary["vignettes"])
    cols[4].metric("Flashcards", summary["flashcards"])

    st.subheader("What the bank holds")
    rows = []
    for slug, items in sorted(bank.by_topic.items(), key=lambda kv: bank.topic_title(kv[0])):
        row: dict[str, object] = {"Topic": bank.topic_title(slug)}
        for item_type in ITEM_TYPES:
            row[TYPE_LABELS[item_type]] = sum(1 for i in items if i.type == item_type)
        row["Total"] = len(items)
        rows.append(row)
    st.dataframe(rows, hide_index=True, width="stretch")
    st.caption(
        f"{summary['handwritten']} hand-written items and {summary['generated']} generated from "
        f"the trigger-point atlas; {summary['regions']} body regions on the body map."
    )


# --- a learner's classes and assignments ------------------------------------------------------

STATUS_BADGES: dict[str, tuple[str, str]] = {
    # status: (colour, icon)
    "passed": ("green", ":material/check_circle:"),
    "late": ("blue", ":material/schedule:"),
    "failed": ("orange", ":material/replay:"),
    "in progress": ("violet", ":material/pending:"),
    "not started": ("gray", ":material/radio_button_unchecked:"),
    "missing": ("red", ":material/error:"),
}


def render_my_assignments(user: CurrentUser, bank: QuestionBank) -> None:
    """The assignments of the learner's cohorts: what is still to do (Start / Resume / Try
    again), then what is handed in, folded away."""
    from trainer.ui.instructor import local_tz

    with session_scope(get_engine()) as s:
        classes = svc.my_cohorts(session=s, user_id=user.id)
        mine = svc.my_assignments(session=s, bank=bank, user_id=user.id)
    if not classes:
        if not user.is_instructor:
            st.info("In a class? Enter the join code your instructor gave you to see your "
                    "assignments here.")
            st.page_link("pages/join.py", label="Join a class", icon=":material/group_add:")
        return
    st.subheader("My assignments")
    if not mine:
        st.caption(f"No assignments yet in {', '.join(c.name for c in classes)}.")
    now, tz = utcnow(), local_tz()
    todo = [a for a in mine if a.open_attempt_id is not None or a.can_start
            or a.status == svc.AssignmentStatus.missing]
    done = [a for a in mine if a not in todo]
    for a in todo:
        _assignment_card(user, bank, a, now, tz)
    if todo == [] and done:
        st.success("Nothing to do: every assignment is handed in.")
    if done:
        with st.expander(f"Handed in ({len(done)})"):
            for a in done:
                _assignment_card(user, bank, a, now, tz)
    st.divider()


def _assignment_card(user: CurrentUser, bank: QuestionBank, a: svc.LearnerAssignment,
                     now: datetime, tz: tzinfo) -> None:
    from trainer.ui.instructor import fmt_relative, fmt_when

    colour, icon = STATUS_BADGES[a.status]
    with st.container(border=True, key=f"assignment-{a.id}"):
        text, action = st.columns([4, 1], vertical_alignment="center")
        with text:
            st.markdown(f"**{escape_markdown(a.title)}** · {escape_markdown(a.cohort)}")
            st.badge(a.status, color=colour, icon=icon)  # type: ignore[arg-type]
            due = f"due {fmt_relative(a.due_at, now)} ({fmt_when(a.due_at, tz)})"
            score = "" if a.score is None else f" · best score {a.score:.0%}"
            st.caption(f"{a.questions} · {a.mode} · {due} · pass mark {a.pass_mark:.0%} · "
                       f"attempts {a.attempts_used} of {a.attempts_allowed}{score}")
        with action:
            _assignment_button(user, bank, a)


def _assignment_button(user: CurrentUser, bank: QuestionBank, a: svc.LearnerAssignment) -> None:
    if a.open_attempt_id is not None:
        label = "Resume"
    elif a.can_start:
        label = "Start" if a.attempts_used == 0 else f"Try again ({a.attempts_left} left)"
    else:
        st.caption("Passed" if a.status == svc.AssignmentStatus.passed else "No attempts left")
        return
    if not st.button(label, key=f"assignment.start.{a.id}", type="primary", width="stretch"):
        return
    try:
        with session_scope(get_engine()) as s:
            other = svc.other_open_attempt(session=s, user_id=user.id, assignment_id=a.id)
            if other is None:
                attempt_id = svc.start_assignment(session=s, bank=bank, user_id=user.id,
                                                  assignment_id=a.id).id
    except svc.CohortError as exc:
        st.error(str(exc))
        return
    if other is not None:
        st.warning(f"Finish or submit your unfinished quiz “{other.title}” first.")
        st.page_link("pages/quiz.py", label="Go to it", icon=":material/quiz:")
        return
    st.session_state[ACTIVE] = attempt_id
    st.session_state.pop(FINISHED, None)
    st.switch_page("pages/quiz.py")


def join_cohort_form(user: CurrentUser) -> None:
    """Enter a join code; typing is forgiving (case, spaces and dashes do not matter)."""
    with st.form("join.form"):
        code = st.text_input("Join code", placeholder="ABCD-EFGH", max_chars=20, key="join.code")
        submitted = st.form_submit_button("Join", type="primary", key="join.submit")
    if submitted:
        try:
            with session_scope(get_engine()) as s:
                cohort = svc.join_cohort(session=s, user_id=user.id, code=code)
                name = cohort.name
        except svc.CohortError as exc:
            st.error(str(exc))
        else:
            st.success(f"You joined {name}. Its assignments are on your home page.")
            st.page_link("pages/home.py", label="Go to my assignments", icon=":material/home:")
    with session_scope(get_engine()) as s:
        classes = svc.my_cohorts(session=s, user_id=user.id)
    if classes:
        st.caption("Your classes: " + ", ".join(
            c.name + (f" ({c.term})" if c.term else "") for c in classes))
