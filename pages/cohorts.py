"""Cohorts (instructors): create a cohort, share its join code, manage people and assignments."""

import streamlit as st

from trainer.ui.instructor import cohorts_page
from trainer.ui.resources import bank_or_stop
from trainer.ui.session import require_role

user = require_role("instructor", "admin")
st.title("Cohorts")
cohorts_page(user, bank_or_stop())
