"""Process-wide resources for the Streamlit app, built once and shared by every session.

``st.cache_resource`` keeps the loaded bank and the engine across reruns, so a rerun never
re-reads YAML or opens a new connection pool.
"""

from __future__ import annotations

import streamlit as st
from sqlalchemy.engine import Engine

from trainer.content import ContentInvalid, QuestionBank, load_bank
from trainer.db.engine import make_engine
from trainer.settings import get_settings


@st.cache_resource(show_spinner="Loading the question bank…")
def get_bank() -> QuestionBank:
    return load_bank(get_settings().content_dir)


@st.cache_resource
def get_engine() -> Engine:
    settings = get_settings()
    return make_engine(settings.database_url, echo=settings.sql_echo)


def bank_or_stop() -> QuestionBank:
    """The bank, or a readable list of content errors and a stopped page (never a traceback)."""
    try:
        return get_bank()
    except ContentInvalid as exc:
        st.error("The question bank has errors, so the app cannot start. Fix these and reload:")
        st.code("\n".join(str(e) for e in exc.errors), language=None)
        st.stop()
        raise  # unreachable: st.stop() raises
