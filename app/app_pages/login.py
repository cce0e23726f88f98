"""Sign-in: local accounts from users.yaml (scrypt hashes); OIDC via st.login when configured."""

from __future__ import annotations

import os

import streamlit as st

from app.lib import audit
from app.lib.auth import UsersFileError, authenticate, load_accounts, user_for_email, users_file
from app.lib.page_context import USER_KEY

BAD_LOGIN = "Unknown user or wrong password."

st.title("Sign in to ptleads")
try:
    accounts = load_accounts(users_file())
except UsersFileError as err:
    st.error(str(err))
    st.stop()

if os.environ.get("PTLEADS_AUTH") == "oidc":
    # Production: the identity provider signs people in; users.yaml maps their e-mail to a role.
    if not st.user.is_logged_in:
        st.button("Sign in with your organisation", on_click=st.login, key="oidc_login")
        st.stop()
    user = user_for_email(accounts, str(st.user.get("email") or ""))
    if user is None:
        st.error("Your account has no ptleads role; ask an admin.")
        st.stop()
    st.session_state[USER_KEY] = user
    audit.record(user, "login", detail="oidc")
    st.rerun()

with st.form("login"):
    username = st.text_input("Username", key="login_username")
    password = st.text_input("Password", type="password", key="login_password")
    submitted = st.form_submit_button("Sign in")
if submitted:
    user = authenticate(accounts, username, password)
    if user is None:
        audit.record(username.strip()[:64], "login_failed")
        st.error(BAD_LOGIN)
    else:
        st.session_state[USER_KEY] = user
        audit.record(user, "login", detail="password")
        st.rerun()
