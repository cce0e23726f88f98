"""ptleads app entry point: the router. Signed out, only the login page exists; signed in, navigation
lists only the pages the user's role may open (each page re-checks). Pages live in app_pages/."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from app.lib.navigation import pages_for
from app.lib.page_context import USER_KEY, current_user

PAGES_DIR = Path(__file__).resolve().parent / "app_pages"

st.set_page_config(page_title="ptleads", page_icon="🩺", layout="wide")

user = current_user()
if user is None:
    st.navigation([st.Page(PAGES_DIR / "login.py", title="Sign in", icon=":material/login:")]).run()
else:
    sections = {
        section: [st.Page(PAGES_DIR / p.file, title=p.title, icon=p.icon) for p in specs]
        for section, specs in pages_for(user).items()
    }
    with st.sidebar:
        scope = f" · {', '.join(user.clinics)}" if user.clinic_scope else ""
        st.caption(f"Signed in as **{user.name}** ({user.role}{scope})")
        if st.button("Sign out", key="sign_out"):
            del st.session_state[USER_KEY]
            st.rerun()
    st.navigation(sections).run()
