"""History: every finished quiz with its score, and the scores over time."""

import streamlit as st

from trainer.ui.resources import bank_or_stop
from trainer.ui.results import history_view
from trainer.ui.session import require_user

user = require_user()
st.title("My history")
history_view(user, bank_or_stop())
