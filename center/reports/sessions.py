"""Supervisor sessions and the login throttle, kept in the centre's database.

Why server-side rows and not a signed cookie: a cookie that only the browser forgets
keeps working after logout (issue 16). A row per session lets logout, a password
change and an account's removal end it at once, on every centre host that shares the
database. The cookie carries a random token; the table holds only its SHA-256, so a
copy of the database opens no session.

Why the throttle counts before it checks: the failure counter must move once for
every attempt, even 30 at once. Each attempt first takes its turn with one atomic
read-modify-write per key (account name, client address) inside a transaction; only
then does it spend the Argon2id work. A turn is taken for unknown names too, so a
lockout says nothing about which accounts exist. Policy after OWASP's Authentication
Cheat Sheet ("Protect Against Automated Attacks", "Account Lockout"):
https://cheatsheetseries.owasp.org/cheatsheets/Authentication_Cheat_Sheet.html
"""

from __future__ import annotations

import hashlib
import os
import secrets
import threading
import time
import weakref
from dataclasses import dataclass
from typing import Any

TABLES = [
    """CREATE TABLE IF NOT EXISTS report_sessions (
        token_hash TEXT PRIMARY KEY, name TEXT NOT NULL, csrf TEXT NOT NULL,
        created_at BIGINT NOT NULL, seen_at BIGINT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS report_sessions_name ON report_sessions (name)",
    """CREATE TABLE IF NOT EXISTS report_login_throttle (
        k TEXT PRIMARY KEY, failures INTEGER NOT NULL, retry_at BIGINT NOT NULL,
        seen_at BIGINT NOT NULL)""",
]

LIFETIME_S = 8 * 3600
IDLE_ENV = "CENTER_SESSION_IDLE_MIN"
DEFAULT_IDLE_MIN = 30
SEEN_EVERY_S = 30  # how often a page view refreshes `seen_at` (a write per page is waste)
# Free attempts before a delay: an account gets few, an address (an office behind one
# NAT) more. Delays double up to MAX_DELAY_S; a key quiet for FORGET_S starts afresh.
FREE = {"user": 3, "addr": 10}
MAX_DELAY_S = 900
FORGET_S = 3600


def idle_seconds() -> int:
    """The idle timeout, `$CENTER_SESSION_IDLE_MIN` minutes (default 30, at least 1)."""
    try:
        minutes = int(os.environ.get(IDLE_ENV) or DEFAULT_IDLE_MIN)
    except ValueError:
        minutes = DEFAULT_IDLE_MIN
    return max(1, minutes) * 60


_ready: weakref.WeakSet[Any] = weakref.WeakSet()
# One creator at a time: PostgreSQL's CREATE TABLE IF NOT EXISTS is not safe against a
# concurrent twin (the loser fails on pg_type's unique index), and the first logins after
# a start may well come at once (tests/reports/test_login.py, thirty in parallel).
_creating = threading.Lock()


def ensure(store: Any) -> None:
    if store in _ready:
        return
    from center.reports.data import ensure_tables

    with _creating:
        if store in _ready:
            return
        ensure_tables(store)  # report_supervisors, which a session joins
        store.migrate()  # its role column (center/db.py, migration 2)
        with store.tx() as cur:
            for stmt in TABLES:
                cur.execute(stmt)
        _ready.add(store)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _ms(now: float | None) -> int:
    return int((now if now is not None else time.time()) * 1000)


# ------------------------------------------------------------------------ sessions
@dataclass(frozen=True)
class Session:
    name: str
    csrf: str
    role: str = "supervisor"  # center.reports.accounts.ROLES


def start(store: Any, name: str, now: float | None = None) -> str:
    """A new session for `name`; returns the cookie token (never stored as such)."""
    ensure(store)
    token = secrets.token_urlsafe(32)
    at = _ms(now)
    with store.tx() as cur:
        cur.execute(store.q("INSERT INTO report_sessions (token_hash, name, csrf, created_at,"
                            " seen_at) VALUES (?, ?, ?, ?, ?)"),
                    (_hash(token), name, secrets.token_urlsafe(32), at, at))
    return token


def find(store: Any, token: str | None, now: float | None = None,
         idle_s: int | None = None) -> Session | None:
    """The live session a cookie names: its account still exists, it is younger than
    LIFETIME_S and was used within the idle timeout. An expired row is deleted."""
    if not token or len(token) > 100:
        return None
    ensure(store)
    at = _ms(now)
    idle_ms = (idle_s if idle_s is not None else idle_seconds()) * 1000
    key = _hash(token)
    with store.tx() as cur:
        cur.execute(store.q(
            "SELECT s.name, s.csrf, s.created_at, s.seen_at, u.role FROM report_sessions s"
            " JOIN report_supervisors u ON u.name = s.name WHERE s.token_hash = ?"), (key,))
        row = cur.fetchone()
        if row is None:
            return None
        name, csrf, created, seen = row[0], row[1], int(row[2]), int(row[3])
        if at - created > LIFETIME_S * 1000 or at - seen > idle_ms:
            cur.execute(store.q("DELETE FROM report_sessions WHERE token_hash = ?"), (key,))
            return None
        if at - seen > SEEN_EVERY_S * 1000:
            cur.execute(store.q("UPDATE report_sessions SET seen_at = ? WHERE token_hash = ?"),
                        (at, key))
    return Session(name, csrf, str(row[4]))


def end(store: Any, token: str | None) -> None:
    if not token:
        return
    ensure(store)
    with store.tx() as cur:
        cur.execute(store.q("DELETE FROM report_sessions WHERE token_hash = ?"), (_hash(token),))


def end_all(store: Any, name: str) -> int:
    """End every session of an account (password changed, account removed)."""
    ensure(store)
    with store.tx() as cur:
        cur.execute(store.q("DELETE FROM report_sessions WHERE name = ?"), (name,))
        return cur.rowcount


def prune(store: Any, now: float | None = None) -> None:
    """Drop expired sessions and forgotten throttle rows (called on each login)."""
    at = _ms(now)
    with store.tx() as cur:
        cur.execute(store.q("DELETE FROM report_sessions WHERE created_at < ? OR seen_at < ?"),
                    (at - LIFETIME_S * 1000, at - idle_seconds() * 1000))
        cur.execute(store.q("DELETE FROM report_login_throttle WHERE seen_at < ?"
                            " AND retry_at < ?"), (at - FORGET_S * 1000, at))


# ------------------------------------------------------------------------ throttle
def delay_s(kind: str, failures: int) -> int:
    """Seconds to wait after `failures` counted attempts: free ones, then 1, 2, 4 … 900."""
    over = failures - FREE[kind]
    return 0 if over < 0 else min(MAX_DELAY_S, 2 ** min(over, 20))


def take_turn(store: Any, keys: dict[str, str], now: float | None = None) -> int:
    """Count one attempt against every key ({"user": name, "addr": ip}), atomically.

    Returns 0 when the attempt may be checked, else the seconds until the longest lock
    ends (the attempt is counted all the same). The delay is set pessimistically — as
    if this attempt fails — and a correct password clears it (`cleared`).
    """
    ensure(store)
    at = _ms(now)
    wait_ms = 0
    with store.tx() as cur:
        for kind, value in sorted(keys.items()):
            k = f"{kind}:{value}"
            cur.execute(store.q("INSERT INTO report_login_throttle (k, failures, retry_at,"
                                " seen_at) VALUES (?, 0, 0, ?) ON CONFLICT DO NOTHING"), (k, at))
            # PostgreSQL: the row lock makes concurrent turns wait for each other;
            # SQLite: BEGIN IMMEDIATE already serialises writers.
            lock = " FOR UPDATE" if store.engine == "postgresql" else ""
            cur.execute(store.q("SELECT failures, retry_at, seen_at FROM report_login_throttle"
                                f" WHERE k = ?{lock}"), (k,))
            failures, retry_at, seen = (int(v) for v in cur.fetchone())
            if at - seen > FORGET_S * 1000 and retry_at <= at:
                failures = 0
            failures += 1
            if retry_at > at:
                wait_ms = max(wait_ms, retry_at - at)
            else:
                retry_at = at + delay_s(kind, failures) * 1000
            cur.execute(store.q("UPDATE report_login_throttle SET failures = ?, retry_at = ?,"
                                " seen_at = ? WHERE k = ?"), (failures, retry_at, at, k))
    return 0 if wait_ms == 0 else max(1, (wait_ms + 999) // 1000)


def succeeded(store: Any, keys: dict[str, str]) -> None:
    """A correct password: the account's counter starts again; the address only gets
    back the turn this login took (one valid account must not reset guessing at others,
    and an office's daily logins must not lock it out)."""
    lock = " FOR UPDATE" if store.engine == "postgresql" else ""
    with store.tx() as cur:
        # Rows are locked in take_turn's order ("addr:" before "user:"): no deadlock.
        k = f"addr:{keys['addr']}"
        cur.execute(store.q(f"SELECT failures FROM report_login_throttle WHERE k = ?{lock}"),
                    (k,))
        row = cur.fetchone()
        if row is not None:
            left = max(0, int(row[0]) - 1)
            reset = ", retry_at = 0" if delay_s("addr", left) == 0 else ""
            cur.execute(store.q(f"UPDATE report_login_throttle SET failures = ?{reset}"
                                " WHERE k = ?"), (left, k))
        cur.execute(store.q("DELETE FROM report_login_throttle WHERE k = ?"),
                    (f"user:{keys['user']}",))


def forget_account(store: Any, name: str) -> None:
    """An administrator reset the password: the account's counted attempts go."""
    ensure(store)
    with store.tx() as cur:
        cur.execute(store.q("DELETE FROM report_login_throttle WHERE k = ?"), (f"user:{name}",))


def failures(store: Any, kind: str, value: str) -> int:
    """The counted attempts of one key (for the tests and `center report supervisor list`)."""
    ensure(store)
    with store.tx() as cur:
        cur.execute(store.q("SELECT failures FROM report_login_throttle WHERE k = ?"),
                    (f"{kind}:{value}",))
        row = cur.fetchone()
    return 0 if row is None else int(row[0])
