"""Local accounts: scrypt hashes, the users file's validation, and the login form writing the audit."""

from __future__ import annotations

from pathlib import Path

import pytest
from app_snapshot_fixture import PAGES
from hypothesis import given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from app.lib import audit
from app.lib.auth import (
    UsersFileError,
    authenticate,
    hash_password,
    load_accounts,
    users_file,
    verify_password,
)

DEMO_PASSWORDS = {
    "admin": "admin-demo",
    "manager": "manager-demo",
    "analyst": "analyst-demo",
    "staff": "staff-demo",
}


@settings(max_examples=15, deadline=None)
@given(st.text(min_size=1, max_size=30), st.text(min_size=1, max_size=30))
def test_hash_verifies_only_its_own_password(password: str, other: str) -> None:
    stored = hash_password(password)
    assert stored.startswith("scrypt$")
    assert verify_password(password, stored)
    assert verify_password(other, stored) == (other == password)


def test_same_password_gets_different_salts() -> None:
    assert hash_password("pw") != hash_password("pw")
    assert "correct-horse-battery" not in hash_password("correct-horse-battery")
    assert not verify_password("pw", "md5$abc")


def test_shipped_demo_accounts_cover_every_role() -> None:
    accounts = load_accounts(users_file())
    for username, password in DEMO_PASSWORDS.items():
        user = authenticate(accounts, username, password)
        assert user is not None and user.role == username
        assert authenticate(accounts, username, password + "x") is None
    assert accounts["staff"].user.clinic_scope == ("ATX-S",)
    assert accounts["manager"].user.clinic_scope == ()
    assert authenticate(accounts, "nobody", "x") is None


def test_users_file_errors_name_the_key(tmp_path: Path) -> None:
    path = tmp_path / "users.yaml"
    path.write_text("users:\n  - {username: s, role: staff, password_hash: 'scrypt$1$1$1$a$b'}\n")
    with pytest.raises(UsersFileError, match=r"users\[0\]\.clinics"):
        load_accounts(path)
    path.write_text("users:\n  - {username: s, role: boss, password_hash: x}\n")
    with pytest.raises(UsersFileError, match=r"users\[0\]\.role"):
        load_accounts(path)


def _router() -> AppTest:
    return AppTest.from_file(str(PAGES.parent / "streamlit_app.py"), default_timeout=60)


def test_login_form_signs_in_and_audits(published: Path) -> None:
    at = _router().run()
    at.text_input(key="login_username").input("staff")
    at.text_input(key="login_password").input("staff-demo")
    at.button[0].click().run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Call list"]
    entries = audit.read_entries()
    assert entries.row(0, named=True) | {"audit_id": "", "at": ""} == {
        "audit_id": "",
        "at": "",
        "user": "staff",
        "role": "staff",
        "action": "login",
        "target": "",
        "detail": "password",
    }


def test_wrong_password_is_refused_and_audited(published: Path) -> None:
    at = _router().run()
    at.text_input(key="login_username").input("admin")
    at.text_input(key="login_password").input("guess")
    at.button[0].click().run()
    assert not at.exception
    assert [e.value for e in at.error] == ["Unknown user or wrong password."]
    assert [t.value for t in at.title] == ["Sign in to ptleads"]
    assert audit.read_entries()["action"].to_list() == ["login_failed"]
