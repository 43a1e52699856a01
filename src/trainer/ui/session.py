"""Who is signed in, resolved from the HttpOnly cookie on every rerun, and role guards."""

from __future__ import annotations

import streamlit as st

from trainer.db.engine import session_scope
from trainer.services.auth import CurrentUser, resolve_session
from trainer.ui.resources import get_engine
from trainer.web.auth_routes import COOKIE_NAME


def read_session_token() -> str | None:
    """The session cookie of this browser tab (tests patch this: AppTest has no cookies)."""
    try:
        return st.context.cookies.to_dict().get(COOKIE_NAME)
    except Exception:  # no browser context (bare mode)
        return None


def current_user() -> CurrentUser | None:
    token = read_session_token()
    if not token:
        return None
    with session_scope(get_engine()) as session:
        return resolve_session(session=session, token=token)


def require_user() -> CurrentUser:
    """Stop the page with a plain message unless someone is signed in."""
    user = current_user()
    if user is None:
        st.warning("Please sign in to use this page.")
        st.page_link("pages/signin.py", label="Sign in", icon=":material/login:")
        st.stop()
    return user  # type: ignore[return-value]


def require_role(*roles: str) -> CurrentUser:
    """Server-side role check: a learner who types an instructor URL gets a message, no data."""
    user = require_user()
    if user.role not in roles:
        st.error("You are not allowed to see this page.")
        st.stop()
    return user
