"""Results of one quiz: score, per-topic breakdown, every answer with its explanation."""

import streamlit as st

from trainer.ui.resources import bank_or_stop
from trainer.ui.results import results_view
from trainer.ui.session import require_user

user = require_user()
st.title("Results")
attempt = st.query_params.get("attempt")
results_view(user, bank_or_stop(), int(attempt) if attempt and attempt.isdigit() else None)
