"""Question widgets for every item type, and the feedback shown after an answer.

``answer_widget`` draws an item and returns the learner's answer in the JSON shape that
trainer.services.scoring expects, or None while the answer is incomplete. It never scores:
scoring happens in the service when the answer is submitted. Widget keys include the attempt
and item, so going back to an item in an exam shows what was given before.
"""

from __future__ import annotations

import hashlib
import random
from typing import Any

import streamlit as st

from trainer.content import QuestionBank
from trainer.content.schema import (
    LETTERS,
    AnyItem,
    Flashcard,
    Hotspot,
    Matching,
    MultipleSelect,
    Ordering,
    ShortAnswer,
    SingleChoice,
    TrueFalse,
)
from trainer.services.scoring import PARTIAL_CREDIT_RULES, correct_answer
from trainer.ui.body_map import body_map_feedback, body_map_picker, body_map_reference

TYPE_HINTS = {
    "single_choice": "Choose one answer.",
    "multiple_select": "Select all that apply.",
    "true_false": "True or false?",
    "matching": "Match each item on the left to one on the right.",
    "ordering": "Pick the steps in the right order, first step first.",
    "short_answer": "Type a short answer.",
    "hotspot": "Mark the region(s) on the body map, by clicking the picture or from the list.",
    "flashcard": "Recall the answer, then reveal it and say whether you knew it.",
}


def _stable_shuffle(values: list[str], seed: str) -> list[str]:
    """Same order on every rerun and refresh (a fresh shuffle would move options under the
    learner's cursor), different per item."""
    rng = random.Random(int(hashlib.sha256(seed.encode()).hexdigest()[:12], 16))
    shuffled = list(values)
    rng.shuffle(shuffled)
    if shuffled == values and len(values) > 1:
        shuffled = shuffled[1:] + shuffled[:1]
    return shuffled


def prompt_of(item: AnyItem) -> str:
    if isinstance(item, TrueFalse):
        return item.statement
    if isinstance(item, Flashcard):
        return item.front
    return item.prompt


def answer_widget(
    item: AnyItem, bank: QuestionBank, *, key: str, previous: Any = None, disabled: bool = False
) -> Any:
    """Render the question; return the current answer (None until it is complete)."""
    st.markdown(f"**{prompt_of(item)}**")
    st.caption(TYPE_HINTS[item.type] + (" " + PARTIAL_CREDIT_RULES[item.type]
                                        if item.type in PARTIAL_CREDIT_RULES else ""))
    match item:
        case SingleChoice():
            st.radio(
                "Your answer", list(range(len(item.options))),
                index=previous if isinstance(previous, int) else None,
                format_func=lambda i: f"{LETTERS[i]}. {item.options[i]}",
                key=f"{key}.radio", disabled=disabled, label_visibility="collapsed")
        case MultipleSelect():
            for i, text in enumerate(item.options):
                was = isinstance(previous, list) and i in previous
                st.checkbox(f"{LETTERS[i]}. {text}", value=was, key=f"{key}.cb{i}",
                            disabled=disabled)
        case TrueFalse():
            st.radio(
                "Your answer", [True, False], format_func=lambda v: "True" if v else "False",
                index=None if previous is None else (0 if previous else 1), horizontal=True,
                key=f"{key}.tf", disabled=disabled, label_visibility="collapsed")
        case Matching():
            rights = _stable_shuffle([p.right for p in item.pairs], item.id)
            given = previous if isinstance(previous, dict) else {}
            for n, pair in enumerate(item.pairs):
                st.selectbox(
                    pair.left, rights,
                    index=rights.index(given[pair.left]) if given.get(pair.left) in rights
                    else None, placeholder="Choose…", key=f"{key}.m{n}", disabled=disabled)
        case Ordering():
            steps = _stable_shuffle(list(item.steps), item.id)
            order = st.multiselect(
                "Steps in order (click them first to last)", steps,
                default=previous if isinstance(previous, list) else None,
                key=f"{key}.order", disabled=disabled, placeholder="Click the first step…",
                # typed text must pick one step, not every fuzzy match at once
                filter_mode="contains", select_all=False)
            if order and len(order) < len(steps):
                st.caption(f"{len(order)} of {len(steps)} steps placed.")
        case ShortAnswer():
            st.text_input("Your answer", value=previous or "", key=f"{key}.text",
                          disabled=disabled, max_chars=200)
        case Hotspot():
            body_map_picker(
                bank.regions, bank.canvas, key=f"{key}.map", label="Regions you mark",
                initial=previous if isinstance(previous, list) else ())
        case Flashcard():
            return None  # flashcards are graded by the learner after revealing the back
    return read_answer(item, key)


def read_answer(item: AnyItem, key: str) -> Any:
    """The answer as the widgets drawn by ``answer_widget`` hold it in session state.

    Button callbacks run before the page is drawn again, so they read the answer here rather
    than from the previous run's return value (which could miss an edit made just before the
    click). None while the answer is incomplete.
    """
    state = st.session_state
    match item:
        case SingleChoice():
            value = state.get(f"{key}.radio")
            return value if isinstance(value, int) and not isinstance(value, bool) else None
        case MultipleSelect():
            return [i for i in range(len(item.options)) if state.get(f"{key}.cb{i}")]
        case TrueFalse():
            value = state.get(f"{key}.tf")
            return value if isinstance(value, bool) else None
        case Matching():
            answer = {p.left: state.get(f"{key}.m{n}") for n, p in enumerate(item.pairs)}
            return answer if all(v is not None for v in answer.values()) else None
        case Ordering():
            order = list(state.get(f"{key}.order") or [])
            return order if len(order) == len(item.steps) else None
        case ShortAnswer():
            return (state.get(f"{key}.text") or "").strip() or None
        case Hotspot():
            return list(state.get(f"{key}.map.picked") or []) or None
    return None


def show_flashcard_back(item: Flashcard, bank: QuestionBank) -> None:
    st.info(item.back)
    if item.regions is not None:
        body_map_reference(bank.regions, bank.canvas, item.regions.essential,
                           item.regions.spillover)


_MARKDOWN_SPECIALS = set("\\`*_{}[]()#+-.!|<>~$")


def escape_markdown(text: str) -> str:
    """Learner-typed text is shown literally: no links, images or formatting from it."""
    return "".join("\\" + c if c in _MARKDOWN_SPECIALS else c for c in text)


def describe_answer(item: AnyItem, answer: Any, bank: QuestionBank) -> str:
    """Markdown-safe rendering of an answer (the learner's or the key) for feedback and results."""
    if answer is None:
        return "(no answer)"
    match item:
        case SingleChoice():
            return f"{LETTERS[answer]}. {item.options[answer]}"
        case MultipleSelect():
            return "; ".join(f"{LETTERS[i]}. {item.options[i]}" for i in sorted(answer)) or "(none)"
        case TrueFalse():
            return "True" if answer else "False"
        case Matching():
            return "; ".join(f"{left} → {right}" for left, right in answer.items())
        case Ordering():
            return " → ".join(answer)
        case ShortAnswer():
            return escape_markdown(str(answer))
        case Hotspot():
            return ", ".join(bank.regions[r].label if r in bank.regions else r for r in answer) \
                or "(none)"
        case Flashcard():
            return "I knew it" if answer else "I did not know it"
    return str(answer)


def key_text(item: AnyItem, bank: QuestionBank) -> str:
    if isinstance(item, ShortAnswer):
        return " / ".join(item.accepted)
    if isinstance(item, Hotspot):
        text = describe_answer(item, list(item.regions.essential), bank)
        if item.regions.spillover:
            text += " (spill-over: " + describe_answer(item, list(item.regions.spillover), bank) + ")"
        return text
    if isinstance(item, Flashcard):
        return item.back
    return describe_answer(item, correct_answer(item), bank)


def feedback(item: AnyItem, bank: QuestionBank, *, answer: Any, correct: bool, score: float) -> None:
    """What a learner sees after answering: verdict, the key, the explanation and the source."""
    if correct and score < 1:  # a body map with the essential zone but not the spill-over
        st.success(f"Correct: the essential zone is right. Score {score:.0%}: marking the "
                   "spill-over zones too earns the rest.")
    elif correct:
        st.success("Correct.")
    elif score > 0:
        st.warning(f"Partly right: {score:.0%}.")
    else:
        st.error("Not right.")
    if isinstance(item, Hotspot):
        body_map_feedback(bank.regions, bank.canvas, answer or [], item.regions.essential,
                          item.regions.spillover)
    elif isinstance(item, Flashcard):
        show_flashcard_back(item, bank)
    if not isinstance(item, Flashcard):
        st.markdown(f"**Your answer:** {describe_answer(item, answer, bank)}")
        st.markdown(f"**Right answer:** {key_text(item, bank)}")
    st.markdown(f"**Why:** {item.explanation}")
    st.caption(f"Source: {item.source}")
