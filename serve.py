"""The web server: app.py behind Streamlit's app server, plus the sign-in routes.

`streamlit run serve.py` finds the ``app`` below and serves it with uvicorn. The extra routes
exist because Streamlit has no API to set an HttpOnly cookie from a script; see
trainer.web.auth_routes.
"""

import streamlit as st

from trainer.web.auth_routes import auth_routes

app = st.App("app.py", routes=auth_routes())
