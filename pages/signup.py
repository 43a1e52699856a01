"""Create a learner account (instructors are created with `trainer users create`)."""

import streamlit as st

from trainer.ui.auth_forms import sign_up_form

st.title("Create an account")
sign_up_form()
st.page_link("pages/signin.py", label="Already have an account? Sign in", icon=":material/login:")
