"""NMT Trainer entry point: registers the pages and shows each visitor the links meant for them.

Navigation only. Every page is registered for everyone, so a typed or bookmarked URL always
reaches its page, and the page decides on the server side: a signed-out visitor is asked to
sign in, a learner who types an instructor URL gets "not allowed" and no data. The sidebar
lists only the pages this visitor can use.
"""

import streamlit as st

from trainer.ui.auth_forms import sign_out_form
from trainer.ui.session import current_user

st.set_page_config(page_title="NMT Trainer", page_icon=":material/fitness_center:", layout="wide")

user = current_user()
home = st.Page("pages/home.py", title="Home", icon=":material/home:", default=True)
public = [
    st.Page("pages/signin.py", title="Sign in", icon=":material/login:"),
    st.Page("pages/signup.py", title="Create account", icon=":material/person_add:"),
]
learner = [
    st.Page("pages/quiz.py", title="Quiz", icon=":material/quiz:"),
    st.Page("pages/review.py", title="Flashcards", icon=":material/style:"),
    st.Page("pages/progress.py", title="Progress", icon=":material/insights:"),
    st.Page("pages/results.py", title="Results", icon=":material/fact_check:"),
    st.Page("pages/history.py", title="My history", icon=":material/history:"),
    st.Page("pages/join.py", title="Join a class", icon=":material/group_add:"),
]
instructor = [
    st.Page("pages/cohorts.py", title="Cohorts", icon=":material/groups:"),
    st.Page("pages/dashboard.py", title="Cohort dashboard", icon=":material/monitoring:"),
]
page = st.navigation([home, *public, *learner, *instructor], position="hidden")

if user is None:
    shown = [home, *public]
elif user.is_instructor:
    shown = [home, *learner, *instructor]
else:
    shown = [home, *learner]
with st.sidebar:
    for link in shown:
        st.page_link(link)
    if user is not None:
        st.divider()
        st.caption(f"Signed in as **{user.display_name}** ({user.role})")
        sign_out_form()
page.run()
