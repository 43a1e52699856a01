"""The quiz page's widgets: set-up form, resume offer, practice runner and exam runner.

State that must survive a refresh lives in the database (trainer.services.attempts); the
Streamlit session only remembers which attempt this tab has resumed and when the current item
was first shown (for time-taken), both of which are harmless to lose.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

import streamlit as st

from trainer.content import QuestionBank
from trainer.content.schema import DIFFICULTIES, Flashcard
from trainer.db.engine import session_scope
from trainer.db.models import Attempt, AttemptMode, utcnow
from trainer.services import attempts as svc
from trainer.services.auth import CurrentUser
from trainer.ui.items import answer_widget, feedback, prompt_of, read_answer, show_flashcard_back
from trainer.ui.quiz_state import ACTIVE, FINISHED, NOTICE, SHOWN
from trainer.ui.resources import get_engine
from trainer.ui.results import results_view

MODE_LABELS = {
    AttemptMode.practice: "Practice: one question at a time, feedback at once",
    AttemptMode.exam: "Exam: timed, no feedback until you submit; flag and go back",
    AttemptMode.weak_spots: "Weak spots: your recent misses and weakest topics",
}


def quiz_page(user: CurrentUser, bank: QuestionBank) -> None:
    engine = get_engine()
    with session_scope(engine) as s:
        attempt = svc.open_attempt(session=s, user_id=user.id)
    if attempt is None:
        finished = st.session_state.pop(ACTIVE, None) or st.session_state.get(FINISHED)
        if finished is not None:  # finished here, by time-out, or in another tab
            st.session_state[FINISHED] = finished
            results_view(user, bank, finished)
            if st.button("Start another quiz", type="primary", key="quiz.another"):
                st.session_state.pop(FINISHED, None)
                st.rerun()
            return
        setup_form(user, bank)
    elif st.session_state.get(ACTIVE) != attempt.id:
        offer_resume(user, attempt)
    elif attempt.mode == AttemptMode.exam:
        run_exam(user, bank, attempt)
    else:
        run_practice(user, bank, attempt)


# --- set-up -------------------------------------------------------------------------------

def setup_form(user: CurrentUser, bank: QuestionBank) -> None:
    st.subheader("Start a quiz")
    mode = st.radio("Mode", list(MODE_LABELS), format_func=lambda m: MODE_LABELS[m],
                    key="setup.mode")
    topics = st.multiselect("Topics (none = all)", sorted(bank.by_topic, key=bank.topic_title),
                            format_func=bank.topic_title, key="setup.topics",
                            disabled=mode == AttemptMode.weak_spots)
    cols = st.columns(2)
    tags = cols[0].multiselect("Tags (optional)", sorted(bank.by_tag), key="setup.tags",
                               disabled=mode == AttemptMode.weak_spots, filter_mode="contains",
                               select_all=False)
    difficulties = cols[1].multiselect("Difficulty (none = all)", list(DIFFICULTIES),
                                       key="setup.difficulty",
                                       disabled=mode == AttemptMode.weak_spots)
    minutes = None
    if mode == AttemptMode.exam:
        preset = st.checkbox(
            f"Licensing-exam preset: {svc.EXAM_PRESET_ITEMS} questions in "
            f"{svc.EXAM_PRESET_MINUTES} minutes", key="setup.preset")
        cols = st.columns(2)
        count = cols[0].number_input("Number of questions", 1, 300,
                                     svc.EXAM_PRESET_ITEMS if preset else 20,
                                     key="setup.exam_count", disabled=preset)
        minutes = cols[1].number_input(
            "Time limit (minutes)", 1, 600,
            svc.EXAM_PRESET_MINUTES if preset else 22, key="setup.minutes", disabled=preset)
        if preset:
            count, minutes = svc.EXAM_PRESET_ITEMS, svc.EXAM_PRESET_MINUTES
    else:
        count = st.number_input("Number of questions", 1, 200, 10, key="setup.count")
    include_cards = st.checkbox("Include flashcards (you grade yourself)", key="setup.cards",
                                disabled=mode != AttemptMode.practice)
    spec = svc.QuizSpec(
        mode=mode, topics=tuple(topics), tags=tuple(tags), difficulties=tuple(difficulties),
        count=int(count), minutes=int(minutes) if minutes else None,
        include_flashcards=include_cards)
    if mode != AttemptMode.weak_spots:
        available = len(svc.matching_items(bank, spec))
        st.caption(f"{available} questions match these choices"
                   + (f"; the quiz will use {min(available, int(count))}." if available else "."))
    if st.button("Start", type="primary", key="setup.start"):
        try:
            with session_scope(get_engine()) as s:
                attempt = svc.start_attempt(session=s, bank=bank, user_id=user.id, spec=spec)
        except svc.AttemptError as exc:
            st.error(str(exc))
            return
        st.session_state[ACTIVE] = attempt.id
        st.rerun()


def offer_resume(user: CurrentUser, attempt: Attempt) -> None:
    with session_scope(get_engine()) as s:
        answered = len(svc.responses_of(session=s, user_id=user.id, attempt_id=attempt.id))
    st.subheader("You have an unfinished quiz")
    st.write(f"**{attempt.title}**, started {_ago(attempt.started_at)}: "
             f"{answered} of {len(attempt.item_ids)} answered.")
    if attempt.deadline_at:
        st.caption(f"The exam clock kept running: {_remaining(attempt.deadline_at)} left.")
    cols = st.columns(2)
    if cols[0].button("Resume where I left off", type="primary", key="resume.yes"):
        st.session_state[ACTIVE] = attempt.id
        st.rerun()
    if cols[1].button("Submit it as it stands", key="resume.submit"):
        _finish(user, attempt)


# --- running --------------------------------------------------------------------------------

def _header(attempt: Attempt, answered: int) -> None:
    st.subheader(attempt.title)
    total = len(attempt.item_ids)
    st.progress(answered / total, text=f"Question {attempt.position + 1} of {total} · "
                                        f"{answered} answered")


def _shown_ms(key: str) -> int | None:
    shown = st.session_state.setdefault(SHOWN, {})
    start = shown.get(key)
    return int((time.monotonic() - start) * 1000) if start else None


def _mark_shown(key: str) -> None:
    st.session_state.setdefault(SHOWN, {}).setdefault(key, time.monotonic())


# Buttons act through on_click callbacks: a callback runs before the page is drawn again, so
# one click costs one script run (an `if st.button(): ...; st.rerun()` would cost two).

def _notice(text: str, kind: str = "error") -> None:
    st.session_state[NOTICE] = (kind, text)


def _show_notice() -> None:
    notice = st.session_state.pop(NOTICE, None)
    if notice:
        kind, text = notice
        (st.warning if kind == "warning" else st.error)(text)


def _submit(user_id: int, bank: QuestionBank, attempt_id: int, item_id: str, answer: Any,
            key: str) -> bool:
    if answer is None:
        _notice("Answer the question first.")
        return False
    try:
        with session_scope(get_engine()) as s:
            svc.record_answer(session=s, bank=bank, user_id=user_id, attempt_id=attempt_id,
                              item_id=item_id, answer=answer, time_ms=_shown_ms(key))
    except svc.AttemptClosed as exc:  # the page will show the results of the closed attempt
        _notice(str(exc), "warning")
        return False
    except svc.AttemptError as exc:
        _notice(str(exc))
        return False
    return True


def _check(user_id: int, bank: QuestionBank, attempt_id: int, item_id: str, key: str) -> None:
    _submit(user_id, bank, attempt_id, item_id, read_answer(bank.by_id[item_id], key), key)


def _verdict(user_id: int, bank: QuestionBank, attempt_id: int, item_id: str, key: str,
             knew: bool) -> None:
    _submit(user_id, bank, attempt_id, item_id, knew, key)


def _move(user_id: int, attempt_id: int, position: int) -> None:
    with session_scope(get_engine()) as s:
        svc.move_to(session=s, user_id=user_id, attempt_id=attempt_id, position=position)


def _save_and_next(user_id: int, bank: QuestionBank, attempt_id: int, item_id: str, key: str,
                   position: int) -> None:
    item = bank.by_id[item_id]
    answer = st.session_state.get(f"{key}.card") if isinstance(item, Flashcard) \
        else read_answer(item, key)
    if _submit(user_id, bank, attempt_id, item_id, answer, key):
        _move(user_id, attempt_id, position + 1)


def _flag(user_id: int, attempt_id: int, item_id: str) -> None:
    with session_scope(get_engine()) as s:
        svc.toggle_flag(session=s, user_id=user_id, attempt_id=attempt_id, item_id=item_id)


def _reveal(key: str) -> None:
    st.session_state[f"{key}.revealed"] = True


def _finish_cb(user_id: int, attempt_id: int) -> None:
    with session_scope(get_engine()) as s:
        svc.finish_attempt(session=s, user_id=user_id, attempt_id=attempt_id)
    st.session_state.pop(ACTIVE, None)
    st.session_state[FINISHED] = attempt_id


def _finish(user: CurrentUser, attempt: Attempt) -> None:
    _finish_cb(user.id, attempt.id)
    st.rerun()


def run_practice(user: CurrentUser, bank: QuestionBank, attempt: Attempt) -> None:
    with session_scope(get_engine()) as s:
        responses = svc.responses_of(session=s, user_id=user.id, attempt_id=attempt.id)
    _show_notice()
    _header(attempt, len(responses))
    item_id = attempt.item_ids[attempt.position]
    item = bank.by_id.get(item_id)
    last = attempt.position == len(attempt.item_ids) - 1
    key = f"a{attempt.id}.{item_id}"
    if item is None:
        st.info("This question has been removed from the bank since the quiz started.")
    elif (response := responses.get(item_id)) is not None:
        st.markdown(f"**{prompt_of(item)}**")
        feedback(item, bank, answer=response.answer, correct=response.correct,
                 score=response.score)
    elif isinstance(item, Flashcard):
        _mark_shown(key)
        st.markdown(f"**{item.front}**")
        if not st.session_state.get(f"{key}.revealed"):
            st.button("Show answer", type="primary", key=f"{key}.reveal", on_click=_reveal,
                      args=(key,))
            return
        show_flashcard_back(item, bank)
        cols = st.columns(2)
        for col, verdict, label in ((cols[0], True, "I knew it"), (cols[1], False, "I didn't")):
            col.button(label, key=f"{key}.{verdict}", on_click=_verdict,
                       args=(user.id, bank, attempt.id, item_id, key, verdict))
        return
    else:
        _mark_shown(key)
        answer = answer_widget(item, bank, key=key)
        st.button("Check answer", type="primary", key=f"{key}.check", disabled=answer is None,
                  on_click=_check, args=(user.id, bank, attempt.id, item_id, key))
        return
    if last:
        st.button("See my results", type="primary", key=f"{key}.finish", on_click=_finish_cb,
                  args=(user.id, attempt.id))
    else:
        st.button("Next question", type="primary", key=f"{key}.next", on_click=_move,
                  args=(user.id, attempt.id, attempt.position + 1))


def run_exam(user: CurrentUser, bank: QuestionBank, attempt: Attempt) -> None:
    with session_scope(get_engine()) as s:
        responses = svc.responses_of(session=s, user_id=user.id, attempt_id=attempt.id)
    assert attempt.deadline_at is not None
    _show_notice()
    _clock(attempt.deadline_at)
    _header(attempt, len(responses))
    _navigator(user, attempt, set(responses))
    item_id = attempt.item_ids[attempt.position]
    item = bank.by_id.get(item_id)
    key = f"a{attempt.id}.{item_id}"
    previous = responses[item_id].answer if item_id in responses else None
    answer = None
    if item is None:
        st.info("This question has been removed from the bank since the exam started.")
    elif isinstance(item, Flashcard):
        st.markdown(f"**{item.front}**")
        answer = st.radio("Did you know it?", [True, False], horizontal=True,
                          index=None if previous is None else (0 if previous else 1),
                          format_func=lambda v: "I knew it" if v else "I didn't",
                          key=f"{key}.card")
    else:
        _mark_shown(key)
        answer = answer_widget(item, bank, key=key, previous=previous)
    flagged = item_id in attempt.flagged
    cols = st.columns(4)
    cols[0].button("◀ Previous", key=f"{key}.prev", disabled=attempt.position == 0,
                   on_click=_move, args=(user.id, attempt.id, attempt.position - 1))
    cols[1].button("Save and next ▶", type="primary", key=f"{key}.save",
                   disabled=answer is None or item is None, on_click=_save_and_next,
                   args=(user.id, bank, attempt.id, item_id, key, attempt.position))
    cols[2].button("Unflag" if flagged else "Flag for review", key=f"{key}.flag",
                   on_click=_flag, args=(user.id, attempt.id, item_id))
    with cols[3].popover("Submit exam"):
        missing = len(attempt.item_ids) - len(responses)
        st.write(f"{missing} question(s) unanswered." if missing else "All questions answered.")
        st.button("Submit now", type="primary", key="exam.submit", on_click=_finish_cb,
                  args=(user.id, attempt.id))


def _navigator(user: CurrentUser, attempt: Attempt, answered: set[str]) -> None:
    with st.expander("All questions (✓ answered, ⚑ flagged)"):
        per_row = 10
        for start in range(0, len(attempt.item_ids), per_row):
            cols = st.columns(per_row)
            for offset, item_id in enumerate(attempt.item_ids[start:start + per_row]):
                n = start + offset
                mark = ("⚑" if item_id in attempt.flagged else "") + \
                       ("✓" if item_id in answered else "")
                cols[offset].button(f"{n + 1}{mark}", key=f"nav.{attempt.id}.{n}",
                                    type="primary" if n == attempt.position else "secondary",
                                    on_click=_move, args=(user.id, attempt.id, n))


@st.fragment(run_every=1)
def _clock(deadline: datetime) -> None:
    """Ticks on its own; when time is up the whole page reruns and the exam is closed."""
    if deadline <= utcnow():
        st.rerun(scope="app")
    st.metric("Time left", _remaining(deadline))


def _remaining(deadline: datetime) -> str:
    seconds = max(0, int((deadline - utcnow()).total_seconds()))
    hours, rest = divmod(seconds, 3600)
    return (f"{hours}:" if hours else "") + f"{rest // 60:02d}:{rest % 60:02d}"


def _ago(when: datetime) -> str:
    minutes = int((utcnow() - when).total_seconds() // 60)
    if minutes < 1:
        return "just now"
    if minutes < 90:
        return f"{minutes} min ago"
    return when.strftime("%d %b %Y %H:%M UTC")
