"""Sign in (the form posts to /auth/login, which sets an HttpOnly session cookie)."""

import streamlit as st

from trainer.ui.auth_forms import sign_in_form

st.title("Sign in")
sign_in_form()
st.page_link("pages/signup.py", label="New here? Create an account", icon=":material/person_add:")
