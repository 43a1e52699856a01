"""Widgets of the home page: the bank's contents at a glance."""

from __future__ import annotations

import streamlit as st

from trainer.content import QuestionBank
from trainer.content.schema import ITEM_TYPES

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
