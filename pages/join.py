"""Join a class: a learner enters the join code their instructor gave them."""

import streamlit as st

from trainer.ui.home import join_cohort_form
from trainer.ui.session import require_user

user = require_user()
st.title("Join a class")
join_cohort_form(user)
