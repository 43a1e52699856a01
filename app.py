"""NMT Trainer entry point: builds the page list for this visitor and runs the chosen page.

Navigation only. The list depends on who is signed in (a page not in the list cannot be
reached), and every page still checks access itself on the server side.
"""

import streamlit as st

from trainer.ui.auth_forms import sign_out_form
from trainer.ui.session import current_user

st.set_page_config(page_title="NMT Trainer", page_icon=":material/fitness_center:", layout="wide")

user = current_user()
home = st.Page("pages/home.py", title="Home", icon=":material/home:", default=True)
if user is None:
    pages = [home,
             st.Page("pages/signin.py", title="Sign in", icon=":material/login:"),
             st.Page("pages/signup.py", title="Create account", icon=":material/person_add:")]
else:
    pages = [
        home,
        st.Page("pages/quiz.py", title="Quiz", icon=":material/quiz:"),
        st.Page("pages/review.py", title="Flashcards", icon=":material/style:"),
        st.Page("pages/progress.py", title="Progress", icon=":material/insights:"),
        st.Page("pages/results.py", title="Results", icon=":material/fact_check:"),
        st.Page("pages/history.py", title="My history", icon=":material/history:"),
    ]
    pages.append(st.Page("pages/join.py", title="Join a class", icon=":material/group_add:"))
    if user.is_instructor:  # the pages check the role themselves too
        pages += [st.Page("pages/cohorts.py", title="Cohorts", icon=":material/groups:"),
                  st.Page("pages/dashboard.py", title="Cohort dashboard",
                          icon=":material/monitoring:")]
    with st.sidebar:
        st.caption(f"Signed in as **{user.display_name}** ({user.role})")
        sign_out_form()
st.navigation(pages).run()
