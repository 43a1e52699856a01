"""Flashcards: spaced repetition with FSRS, deck by deck, with Anki's daily limits."""

import streamlit as st

from trainer.ui.resources import bank_or_stop
from trainer.ui.review import review_page
from trainer.ui.session import require_user

user = require_user()
st.title("Flashcards")
review_page(user, bank_or_stop())
