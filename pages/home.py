"""Home: what the question bank holds, so a visitor sees at once what there is to study."""

import streamlit as st

from trainer.ui.home import render_bank_overview
from trainer.ui.resources import bank_or_stop

st.title("NMT Trainer")
st.caption("Quizzes, flashcards and progress tracking for neuromuscular therapy.")
render_bank_overview(bank_or_stop())
