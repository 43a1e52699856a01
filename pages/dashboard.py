"""Cohort dashboard (instructors): who is behind, which topics, which questions; then detail."""

import streamlit as st

from trainer.ui.instructor import dashboard_page
from trainer.ui.resources import bank_or_stop
from trainer.ui.session import require_role

user = require_role("instructor", "admin")
st.title("Cohort dashboard")
dashboard_page(user, bank_or_stop())
