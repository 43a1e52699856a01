"""Progress: mastery per topic, cards due and the 14-day forecast, streak, exam outlook."""

import streamlit as st

from trainer.ui.progress import progress_page
from trainer.ui.resources import bank_or_stop
from trainer.ui.session import require_user

user = require_user()
st.title("Progress")
progress_page(user, bank_or_stop())
