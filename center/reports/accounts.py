"""The centre's web accounts: Argon2id passwords, roles and the login check.

Why Argon2id (cryptography's): the pages show every station's figures, so a guessed
password must cost real work. Sessions and the attempt throttle live in
`center.reports.sessions` (server-side rows, so logout really ends a session).

Why roles on one table: supervisors, case workers and admins share one login form,
one session table and one throttle; only what a session may open differs (issue 21).
A supervisor sees reports and never personal data; a case worker opens and moves
cases; an admin manages accounts and stations and reads the access records. Accounts
made before roles existed are supervisors (center/db.py, migration 2).
"""

from __future__ import annotations

import os
import secrets
import time
import weakref
from typing import Any

from cryptography.exceptions import InvalidKey
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from center.reports import sessions
from center.reports.data import ensure_tables

# OWASP's second Argon2id profile: 19 MiB, 2 passes, 1 lane (~50 ms here).
KDF = {"memory_cost": 19 * 1024, "iterations": 2, "lanes": 1}
MIN_PASSWORD = 10
SUPERVISOR, CASEWORKER, ADMIN = "supervisor", "caseworker", "admin"
ROLES = (SUPERVISOR, CASEWORKER, ADMIN)
_migrated: weakref.WeakSet[Any] = weakref.WeakSet()


def _ready(store: Any) -> None:
    """The role column exists (a store opened without `migrate`, e.g. in a test)."""
    if store not in _migrated:
        ensure_tables(store)
        store.migrate()
        _migrated.add(store)


def hash_password(password: str) -> str:
    kdf = Argon2id(salt=os.urandom(16), length=32, **KDF)
    return kdf.derive_phc_encoded(password.encode())


def password_ok(password: str, phc: str) -> bool:
    try:
        Argon2id.verify_phc_encoded(password.encode(), phc)
    except (InvalidKey, ValueError):
        return False
    return True


def add(store: Any, name: str, password: str, role: str = SUPERVISOR) -> bool:
    """False when the account exists already."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}")
    _ready(store)
    phc = hash_password(password)
    with store.tx() as cur:
        cur.execute(store.q("INSERT INTO report_supervisors (name, phc, created_at, role)"
                            " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING"),
                    (name, phc, int(time.time() * 1000), role))
        return cur.rowcount > 0


def remove(store: Any, name: str) -> bool:
    """Remove an account and end its sessions."""
    ensure_tables(store)
    with store.tx() as cur:
        cur.execute(store.q("DELETE FROM report_supervisors WHERE name = ?"), (name,))
        gone = cur.rowcount > 0
    sessions.end_all(store, name)
    return gone


def set_password(store: Any, name: str, password: str) -> bool:
    """A new password ends every session the account had and lifts its lockout (an
    administrator vouched for the person); False if no such account."""
    ensure_tables(store)
    sessions.ensure(store)
    phc = hash_password(password)
    with store.tx() as cur:
        cur.execute(store.q("UPDATE report_supervisors SET phc = ? WHERE name = ?"),
                    (phc, name))
        changed = cur.rowcount > 0
        cur.execute(store.q("DELETE FROM report_login_throttle WHERE k = ?"), (f"user:{name}",))
    sessions.end_all(store, name)
    sessions.forget_account(store, name)
    return changed


def names(store: Any, role: str | None = None) -> list[str]:
    return [name for name, _role in listing(store, role)]


def listing(store: Any, role: str | None = None) -> list[tuple[str, str]]:
    """(name, role) of every account, or of one role's."""
    _ready(store)
    with store.tx() as cur:
        if role is None:
            cur.execute("SELECT name, role FROM report_supervisors ORDER BY name")
        else:
            cur.execute(store.q("SELECT name, role FROM report_supervisors WHERE role = ?"
                                " ORDER BY name"), (role,))
        return [(r[0], r[1]) for r in cur.fetchall()]


def role_of(store: Any, name: str) -> str | None:
    _ready(store)
    with store.tx() as cur:
        cur.execute(store.q("SELECT role FROM report_supervisors WHERE name = ?"), (name,))
        row = cur.fetchone()
    return None if row is None else str(row[0])


def exists(store: Any, name: str) -> bool:
    with store.tx() as cur:
        cur.execute(store.q("SELECT 1 FROM report_supervisors WHERE name = ?"), (name,))
        return cur.fetchone() is not None


class Refused(Exception):
    """Wrong name or password (`retry_after` = 0), or the name or the address is locked
    for `retry_after` seconds. Neither says whether the account exists."""

    def __init__(self, retry_after: int = 0) -> None:
        super().__init__("login refused")
        self.retry_after = retry_after


def login(store: Any, name: str, password: str, address: str,
          now: float | None = None) -> None:
    """Check a login from `address`; raises `Refused`.

    The attempt is counted before the password is looked at (so concurrent guesses are
    each counted), and an unknown name runs the same Argon2id check against a dummy
    hash, so known and unknown names answer alike and take as long.
    """
    keys = {"user": name, "addr": address}
    wait = sessions.take_turn(store, keys, now)
    if wait:
        raise Refused(retry_after=wait)
    with store.tx() as cur:
        cur.execute(store.q("SELECT phc FROM report_supervisors WHERE name = ?"), (name,))
        row = cur.fetchone()
    ok = password_ok(password, row[0] if row is not None else _DUMMY) and row is not None
    if not ok:
        raise Refused()
    sessions.succeeded(store, keys)


_DUMMY = Argon2id(salt=b"\0" * 16, length=32, **KDF).derive_phc_encoded(b"no such account")


def secret(store: Any) -> bytes:
    """A key made once and shared by every centre host through the database; signs the
    login form's CSRF token."""
    ensure_tables(store)
    with store.tx() as cur:
        cur.execute(store.q("INSERT INTO report_secrets (k, v) VALUES ('session', ?)"
                            " ON CONFLICT DO NOTHING"), (secrets.token_hex(32),))
        cur.execute("SELECT v FROM report_secrets WHERE k = 'session'")
        return bytes.fromhex(cur.fetchone()[0])
