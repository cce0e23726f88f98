"""Local accounts and roles: scrypt-hashed passwords in `config/users.yaml`, and what each role may open.

Production deployments put OIDC in front (`st.login`, see app/README.md); the signed-in e-mail is then
looked up here by its `email` key so roles and clinic scopes still come from this one file.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import yaml

from orchestration.settings import REPO_ROOT, Settings

ROLES: tuple[str, ...] = ("admin", "manager", "analyst", "staff")
# Page key -> roles allowed to open it. The router builds navigation from this; pages re-check it.
PAGE_ROLES: dict[str, frozenset[str]] = {
    "funnel": frozenset({"admin", "manager", "analyst"}),
    "breakdowns": frozenset({"admin", "manager", "analyst"}),
    "speed": frozenset({"admin", "manager", "analyst"}),
    "leakage": frozenset({"admin", "manager", "analyst"}),
    "call_list": frozenset({"admin", "manager", "staff"}),
    "lead_detail": frozenset({"admin", "manager", "analyst", "staff"}),
    "models": frozenset({"admin", "analyst"}),
    "data_desk": frozenset({"admin", "manager"}),
    "review_queue": frozenset({"admin", "manager", "staff"}),
    "audit": frozenset({"admin"}),
}
# scrypt cost: ~16 MiB and tens of milliseconds per check, slow enough to blunt offline guessing.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1


@dataclass(frozen=True)
class User:
    username: str
    role: str
    name: str
    clinics: tuple[str, ...] = ()  # staff scope; empty means every clinic for the other roles
    email: str | None = None

    @property
    def masks_phi(self) -> bool:
        return self.role == "analyst"

    @property
    def clinic_scope(self) -> tuple[str, ...]:
        """Clinic ids this user is limited to; () means unrestricted."""
        return self.clinics if self.role == "staff" else ()

    def may_open(self, page: str) -> bool:
        return self.role in PAGE_ROLES.get(page, frozenset())


class UsersFileError(ValueError):
    """users.yaml is missing or malformed; the message names the file and key."""


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    enc = base64.b64encode
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${enc(salt).decode()}${enc(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=len(expected)
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


@dataclass(frozen=True)
class Account:
    user: User
    password_hash: str


def users_file(settings: Settings | None = None) -> Path:
    """PTLEADS_USERS, else users.yaml in the practice config folder, else the shipped demo accounts."""
    if os.environ.get("PTLEADS_USERS"):
        return Path(os.environ["PTLEADS_USERS"])
    in_config = (settings or Settings()).config_dir / "users.yaml"
    return in_config if in_config.is_file() else REPO_ROOT / "config" / "users.yaml"


def load_accounts(path: Path) -> dict[str, Account]:
    """Accounts by username. Raises UsersFileError naming the file and the offending key."""
    if not path.is_file():
        raise UsersFileError(f"{path}: no users file")
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entries = doc.get("users")
    if not isinstance(entries, list):
        raise UsersFileError(f"{path}: key 'users' must be a list")
    accounts: dict[str, Account] = {}
    for i, entry in enumerate(entries):
        where = f"{path}: users[{i}]"
        if not isinstance(entry, dict) or not entry.get("username") or not entry.get("password_hash"):
            raise UsersFileError(f"{where}: needs username and password_hash")
        role = entry.get("role")
        if role not in ROLES:
            raise UsersFileError(f"{where}.role: must be one of {', '.join(ROLES)}")
        clinics = tuple(str(c) for c in entry.get("clinics") or ())
        if role == "staff" and not clinics:
            raise UsersFileError(f"{where}.clinics: staff accounts need at least one clinic")
        user = User(
            username=str(entry["username"]),
            role=role,
            name=str(entry.get("name") or entry["username"]),
            clinics=clinics,
            email=entry.get("email"),
        )
        accounts[user.username] = Account(user, str(entry["password_hash"]))
    return accounts


def authenticate(accounts: dict[str, Account], username: str, password: str) -> User | None:
    account = accounts.get(username.strip())
    if account is None:
        # Spend the same work on unknown names so timing does not reveal which accounts exist.
        verify_password(password, hash_password("x"))
        return None
    return account.user if verify_password(password, account.password_hash) else None


def user_for_email(accounts: dict[str, Account], email: str) -> User | None:
    """The account an OIDC identity maps to (by its configured e-mail), or None."""
    wanted = email.strip().lower()
    return next((a.user for a in accounts.values() if (a.user.email or "").lower() == wanted), None)
