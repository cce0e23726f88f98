"""ptleads app entry point: the router. Pages live in app_pages/ and hold UI only."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

PAGES_DIR = Path(__file__).resolve().parent / "app_pages"

st.set_page_config(page_title="ptleads", page_icon="🩺", layout="wide")

pages = [
    st.Page(PAGES_DIR / "funnel.py", title="Funnel", icon=":material/filter_alt:", default=True),
    st.Page(PAGES_DIR / "call_list.py", title="Call list", icon=":material/call:"),
]
st.navigation(pages).run()
