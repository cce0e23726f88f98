"""What every page does first: check who is signed in and may open it, then find the snapshot."""

from __future__ import annotations

import streamlit as st

from app.lib.auth import User
from app.lib.snapshot import NO_SNAPSHOT_MESSAGE, SnapshotInfo, freshness, read_snapshot_info, snapshot_path

USER_KEY = "user"
SIGN_IN_MESSAGE = "Please sign in."
FORBIDDEN_MESSAGE = "Your role may not open this page."


def current_user() -> User | None:
    user = st.session_state.get(USER_KEY)
    return user if isinstance(user, User) else None


def require_user(page: str) -> User:
    """The signed-in user if their role may open `page`; else the page stops with a message.

    The router already hides pages a role may not use; this re-check keeps a page safe when opened by
    URL or loaded on its own (defence in depth)."""
    user = current_user()
    if user is None:
        st.warning(SIGN_IN_MESSAGE)
        st.stop()
    if not user.may_open(page):  # type: ignore[union-attr]
        st.error(FORBIDDEN_MESSAGE)
        st.stop()
    return user  # type: ignore[return-value]  # st.stop() never returns


def require_snapshot() -> SnapshotInfo:
    """The published snapshot's info; stops the page with a clear message when none exists yet."""
    info = read_snapshot_info(snapshot_path())
    if info is None:
        st.info(NO_SNAPSHOT_MESSAGE)
        st.stop()
    as_of = info.as_of.strftime("%Y-%m-%d %H:%M UTC") if info.as_of else "unknown"
    st.caption(f"Data as of {as_of} · {freshness(info.published_at)}")
    return info  # type: ignore[return-value]  # st.stop() never returns


def clinic_names(path: str, published_at: str, user: User) -> dict[str, str]:
    """Clinic id -> name, limited to the user's scope (staff see only their clinics)."""
    from app.lib import queries

    rows = queries.clinics(path, published_at)
    names = dict(zip(rows["id"], rows["name"], strict=True))
    scope = user.clinic_scope
    return {k: v for k, v in names.items() if not scope or k in scope}
