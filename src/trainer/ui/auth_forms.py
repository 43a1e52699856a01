"""Sign-in, sign-up and sign-out forms: static HTML that POSTs to trainer.web.auth_routes.

The HTML is a fixed template (no user text is interpolated), so st.html's sanitiser keeps it
and nothing a user typed can be injected. Error messages come from a fixed table by code.
"""

from __future__ import annotations

import streamlit as st

from trainer.ui.session import current_user
from trainer.web.auth_routes import AUTH_ERRORS

_STYLE = """
<style>
.nmt-auth {max-width: 26rem; display: flex; flex-direction: column; gap: .6rem;}
.nmt-auth label {display: flex; flex-direction: column; gap: .2rem; font-size: .95rem;}
.nmt-auth input {padding: .5rem .6rem; border: 1px solid #bbb; border-radius: .4rem;
  font-size: 1rem;}
.nmt-auth button, .nmt-signout button {padding: .5rem 1rem; border-radius: .4rem;
  border: 1px solid #c0392b; background: #c0392b; color: white; font-size: 1rem; cursor: pointer;}
.nmt-signout button {background: transparent; color: inherit; border-color: #999;}
</style>
"""

SIGN_IN_FORM = _STYLE + """
<form class="nmt-auth" method="post" action="/auth/login">
  <label>Username <input name="username" autocomplete="username" required></label>
  <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
  <button type="submit">Sign in</button>
</form>
"""

SIGN_UP_FORM = _STYLE + """
<form class="nmt-auth" method="post" action="/auth/signup">
  <label>Display name <input name="display_name" autocomplete="name" required></label>
  <label>Username <input name="username" autocomplete="username" required minlength="3"></label>
  <label>Email (optional) <input name="email" type="email" autocomplete="email"></label>
  <label>Password (8 characters or more)
    <input name="password" type="password" autocomplete="new-password" required minlength="8"></label>
  <label>Repeat password
    <input name="password2" type="password" autocomplete="new-password" required minlength="8"></label>
  <button type="submit">Create account</button>
</form>
"""

SIGN_OUT_FORM = _STYLE + """
<form class="nmt-signout" method="post" action="/auth/logout">
  <button type="submit">Sign out</button>
</form>
"""


def show_auth_error() -> None:
    code = st.query_params.get("auth_error")
    if code:
        st.error(AUTH_ERRORS.get(code, "Sign-in failed."))


def _already_signed_in() -> bool:
    user = current_user()
    if user is not None:
        st.info(f"You are signed in as {user.display_name}. Sign out first to use another "
                "account.")
    return user is not None


def sign_in_form() -> None:
    if _already_signed_in():
        return
    show_auth_error()
    st.html(SIGN_IN_FORM)


def sign_up_form() -> None:
    if _already_signed_in():
        return
    show_auth_error()
    st.html(SIGN_UP_FORM)


def sign_out_form() -> None:
    st.html(SIGN_OUT_FORM)
