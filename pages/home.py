"""Home: a signed-in learner's assignments first, then what the question bank holds."""

import streamlit as st

from trainer.ui.home import render_bank_overview, render_my_assignments
from trainer.ui.resources import bank_or_stop
from trainer.ui.session import current_user

st.title("NMT Trainer")
st.caption("Quizzes, flashcards and progress tracking for neuromuscular therapy.")
bank = bank_or_stop()
user = current_user()
if user is not None:
    render_my_assignments(user, bank)
render_bank_overview(bank)
