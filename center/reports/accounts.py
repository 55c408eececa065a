"""Supervisor accounts for the report pages, and the session cookie that follows a login.

Why Argon2id (cryptography's) and a counter: the pages show every station's
figures, so a guessed password must cost real work, and repeated wrong ones are
slowed down per account like the station's key slots. Why an HMAC cookie and no
server-side session table: nothing to write per login, and the signing secret lives
in the database, so a restarted centre (or a second one on the same database) still
checks every cookie.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import time
from typing import Any

from cryptography.exceptions import InvalidKey
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from center.reports.data import ensure_tables

# OWASP's second Argon2id profile: 19 MiB, 2 passes, 1 lane (~50 ms here).
KDF = {"memory_cost": 19 * 1024, "iterations": 2, "lanes": 1}
MIN_PASSWORD = 10
SESSION_S = 8 * 3600
FREE_TRIES = 3
MAX_DELAY_S = 900


def hash_password(password: str) -> str:
    kdf = Argon2id(salt=os.urandom(16), length=32, **KDF)
    return kdf.derive_phc_encoded(password.encode())


def password_ok(password: str, phc: str) -> bool:
    try:
        Argon2id.verify_phc_encoded(password.encode(), phc)
    except (InvalidKey, ValueError):
        return False
    return True


def add(store: Any, name: str, password: str) -> bool:
    """False when the account exists already."""
    ensure_tables(store)
    phc = hash_password(password)
    with store.tx() as cur:
        cur.execute(store.q("INSERT INTO report_supervisors (name, phc, created_at)"
                            " VALUES (?, ?, ?) ON CONFLICT DO NOTHING"),
                    (name, phc, int(time.time() * 1000)))
        return cur.rowcount > 0


def remove(store: Any, name: str) -> bool:
    ensure_tables(store)
    with store.tx() as cur:
        cur.execute(store.q("DELETE FROM report_supervisors WHERE name = ?"), (name,))
        return cur.rowcount > 0


def set_password(store: Any, name: str, password: str) -> bool:
    """A new password, and the account's lockout lifted (an administrator vouched for
    the person); False if no such account."""
    ensure_tables(store)
    phc = hash_password(password)
    with store.tx() as cur:
        cur.execute(store.q("UPDATE report_supervisors SET phc = ?, failures = 0, retry_at = 0"
                            " WHERE name = ?"), (phc, name))
        return cur.rowcount > 0


def names(store: Any) -> list[str]:
    ensure_tables(store)
    with store.tx() as cur:
        cur.execute("SELECT name FROM report_supervisors ORDER BY name")
        return [r[0] for r in cur.fetchall()]


def exists(store: Any, name: str) -> bool:
    with store.tx() as cur:
        cur.execute(store.q("SELECT 1 FROM report_supervisors WHERE name = ?"), (name,))
        return cur.fetchone() is not None


class Refused(Exception):
    """Wrong name or password (`retry_after` = 0), or asked again too soon."""

    def __init__(self, retry_after: int = 0) -> None:
        super().__init__("login refused")
        self.retry_after = retry_after


def login(store: Any, name: str, password: str, now: float | None = None) -> None:
    """Check a login; raises `Refused`. An unknown name costs the same Argon2id work."""
    now_ms = int((now if now is not None else time.time()) * 1000)
    with store.tx() as cur:
        cur.execute(store.q("SELECT phc, failures, retry_at FROM report_supervisors"
                            " WHERE name = ?"), (name,))
        row = cur.fetchone()
    if row is not None and int(row[2]) > now_ms:
        raise Refused(retry_after=max(1, (int(row[2]) - now_ms + 999) // 1000))
    phc = row[0] if row is not None else _DUMMY
    ok = password_ok(password, phc) and row is not None
    with store.tx() as cur:
        if ok:
            cur.execute(store.q("UPDATE report_supervisors SET failures = 0, retry_at = 0"
                                " WHERE name = ?"), (name,))
            return
        if row is not None:
            failures = int(row[1]) + 1
            delay = 0 if failures <= FREE_TRIES else min(MAX_DELAY_S,
                                                         2 ** (failures - FREE_TRIES - 1))
            cur.execute(store.q("UPDATE report_supervisors SET failures = ?, retry_at = ?"
                                " WHERE name = ?"), (failures, now_ms + delay * 1000, name))
    raise Refused()


_DUMMY = Argon2id(salt=b"\0" * 16, length=32, **KDF).derive_phc_encoded(b"no such account")


# ------------------------------------------------------------------------- sessions
def secret(store: Any) -> bytes:
    """The cookie-signing key, made once and shared by every worker through the database."""
    ensure_tables(store)
    with store.tx() as cur:
        cur.execute(store.q("INSERT INTO report_secrets (k, v) VALUES ('session', ?)"
                            " ON CONFLICT DO NOTHING"), (secrets.token_hex(32),))
        cur.execute("SELECT v FROM report_secrets WHERE k = 'session'")
        return bytes.fromhex(cur.fetchone()[0])


def make_cookie(key: bytes, name: str, now: float | None = None) -> str:
    expires = int((now if now is not None else time.time()) + SESSION_S)
    body = base64.urlsafe_b64encode(f"{name}\x1f{expires}".encode()).decode().rstrip("=")
    mac = hmac.new(key, body.encode(), hashlib.sha256).hexdigest()
    return f"{body}.{mac}"


def cookie_user(key: bytes, cookie: str | None, now: float | None = None) -> str | None:
    """The account a cookie was issued to, if it is authentic and not expired."""
    if not cookie or "." not in cookie:
        return None
    body, mac = cookie.rsplit(".", 1)
    if not hmac.compare_digest(mac, hmac.new(key, body.encode(), hashlib.sha256).hexdigest()):
        return None
    try:
        name, expires = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode().split(
            "\x1f")
        if int(expires) < (now if now is not None else time.time()):
            return None
    except (ValueError, UnicodeDecodeError):
        return None
    return name
