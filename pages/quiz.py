"""Quiz: set up a practice, exam or weak-spots quiz, or resume the one in progress."""

import streamlit as st

from trainer.ui.quiz_runner import quiz_page
from trainer.ui.resources import bank_or_stop
from trainer.ui.session import require_user

user = require_user()
st.title("Quiz")
quiz_page(user, bank_or_stop())
