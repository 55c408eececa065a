"""What the centre sent down: case statuses, home-visit requests, catalogue versions,
holiday calendars.

Why a small table of its own and not queue records: queue records are units of
*upstream* sync; putting downstream updates there would send them back to the
centre. The inbox is idempotent by construction — every item carries the centre's
update id and applying it twice leaves the same rows — and it keeps the pull
cursor in the same transaction as the items, so a cut never skips or repeats.
Personal fields (a visit's name/phone/address, a return reason) arrive sealed to
the station's inbox key and are stored sealed; only clear codes and dates are columns.
The inbox key's private half is itself sealed to a key derived from the queue's data
key (``station.sync.identity``), so what a locked station pulls stays sealed until a
staff member unlocks. Once a visit request is booked into the encrypted queue its
sealed details are erased here (``mark_visit_handled``; ``purge_handled`` sweeps any
left from older versions): the queue's retention then governs the only copy.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from station import paths
from station.catalogue.model import CatalogueError, CatalogueFileError

_log = logging.getLogger("station.sync.inbox")

SCHEMA = [
    "CREATE TABLE IF NOT EXISTS cursor (k TEXT PRIMARY KEY, v INTEGER NOT NULL)",
    """CREATE TABLE IF NOT EXISTS case_status (
        case_id TEXT PRIMARY KEY, status TEXT NOT NULL, at TEXT NOT NULL,
        update_id INTEGER NOT NULL, uid TEXT NOT NULL, sealed TEXT,
        case_no TEXT NOT NULL DEFAULT '')""",
    "CREATE INDEX IF NOT EXISTS case_status_no ON case_status (case_no)",
    """CREATE TABLE IF NOT EXISTS case_status_history (
        update_id INTEGER PRIMARY KEY, case_id TEXT NOT NULL, status TEXT NOT NULL,
        at TEXT NOT NULL, uid TEXT NOT NULL, sealed TEXT)""",
    """CREATE TABLE IF NOT EXISTS visit_requests (
        uid TEXT PRIMARY KEY, update_id INTEGER NOT NULL, date TEXT NOT NULL,
        slot TEXT NOT NULL, matter TEXT NOT NULL, at TEXT NOT NULL, sealed TEXT NOT NULL,
        handled INTEGER NOT NULL DEFAULT 0)""",
    """CREATE TABLE IF NOT EXISTS catalogue_versions (
        version TEXT PRIMARY KEY, update_id INTEGER NOT NULL, sha256 TEXT NOT NULL,
        filename TEXT NOT NULL, content TEXT NOT NULL, at TEXT NOT NULL)""",
    # A year's holiday calendar; `installed` 0 when it failed the station's own checks.
    """CREATE TABLE IF NOT EXISTS calendars (
        update_id INTEGER PRIMARY KEY, year INTEGER NOT NULL, version TEXT NOT NULL,
        sha256 TEXT NOT NULL, content TEXT NOT NULL, at TEXT NOT NULL,
        installed INTEGER NOT NULL)""",
]


def inbox_file() -> Path:
    return paths.data_dir() / "inbox.sqlite3"


@dataclass(frozen=True)
class CaseStatus:
    case_id: str
    status: str  # accepted | reviewing | done | returned
    at: str
    uid: str
    sealed: str | None  # the centre's note, sealed to this station
    case_no: str


@dataclass(frozen=True)
class VisitRequest:
    uid: str
    date: str
    slot: str
    matter: str
    at: str
    sealed: str
    handled: bool


class Inbox:
    def __init__(self, path: Path | None = None) -> None:
        path = path or inbox_file()
        path.parent.mkdir(parents=True, exist_ok=True)
        _private(path)
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        for stmt in SCHEMA:
            self._db.execute(stmt)

    def close(self) -> None:
        self._db.close()

    def cursor(self) -> int:
        row = self._db.execute("SELECT v FROM cursor WHERE k = 'pull'").fetchone()
        return int(row[0]) if row else 0

    def apply(self, items: list[dict[str, Any]], new_cursor: int) -> int:
        """Apply a page of items and move the cursor, atomically; returns items applied."""
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            for item in items:
                _apply_one(db, item)
            db.execute("INSERT INTO cursor VALUES ('pull', ?) ON CONFLICT (k) DO UPDATE"
                       " SET v = MAX(v, excluded.v)", (new_cursor,))
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        return len(items)

    # --- reads for the TUI and reports ---------------------------------------------------
    def case_status(self, case: str) -> CaseStatus | None:
        """The centre's latest status for a case, by record id or by case number."""
        row = self._db.execute("SELECT case_id, status, at, uid, sealed, case_no"
                               " FROM case_status WHERE case_id = ? OR case_no = ?",
                               (case, case)).fetchone()
        return CaseStatus(*row) if row else None

    def statuses(self) -> dict[str, str]:
        return dict(self._db.execute("SELECT case_id, status FROM case_status"))

    def visit_requests(self, include_handled: bool = False) -> list[VisitRequest]:
        sql = "SELECT uid, date, slot, matter, at, sealed, handled FROM visit_requests"
        if not include_handled:
            sql += " WHERE handled = 0"
        rows = self._db.execute(sql + " ORDER BY date, slot, update_id").fetchall()
        return [VisitRequest(*r[:6], bool(r[6])) for r in rows]

    def mark_visit_handled(self, uid: str) -> None:
        """Booked into the queue: the sealed details go (zeroed on disk, see purge_handled)."""
        self._db.execute("PRAGMA secure_delete = ON")
        self._db.execute("UPDATE visit_requests SET handled = 1, sealed = '' WHERE uid = ?",
                         (uid,))

    def purge_handled(self) -> int:
        """Erase the sealed details of every handled request (older versions kept them);
        freed pages are zeroed and the WAL truncated so no old copy lingers. The row stays
        (uid and clear codes), so a request pulled again is still recognised."""
        self._db.execute("PRAGMA secure_delete = ON")
        n = self._db.execute("UPDATE visit_requests SET sealed = '' WHERE handled = 1 "
                             "AND sealed != ''").rowcount
        self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return n

    def latest_catalogue(self) -> tuple[str, str] | None:
        """(version, content) of the newest catalogue the centre published."""
        row = self._db.execute("SELECT version, content FROM catalogue_versions"
                               " ORDER BY update_id DESC LIMIT 1").fetchone()
        return (row[0], row[1]) if row else None

    def calendars(self) -> list[tuple[int, str, bool]]:
        """(year, version, installed) of every holiday calendar the centre sent, oldest first."""
        rows = self._db.execute("SELECT year, version, installed FROM calendars"
                                " ORDER BY update_id").fetchall()
        return [(int(y), str(v), bool(i)) for y, v, i in rows]

    def counts(self) -> dict[str, int]:
        out = {}
        for table in ("case_status", "case_status_history", "visit_requests",
                      "catalogue_versions"):
            out[table] = self._db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        return out


def _private(path: Path) -> None:
    """The inbox file and its -wal/-shm: owner only (SQLite copies the main file's mode)."""
    import os

    from station.private_files import tighten

    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    except OSError:
        return
    tighten(path)


def _apply_one(db: sqlite3.Connection, item: dict[str, Any]) -> None:
    kind, uid, update_id = item["kind"], str(item["uid"]), int(item["id"])
    if kind == "case_status":
        sealed = item.get("sealed")
        db.execute("INSERT OR IGNORE INTO case_status_history VALUES (?, ?, ?, ?, ?, ?)",
                   (update_id, item["case_id"], item["status"], item["at"], uid, sealed))
        # Only a newer update moves the current status: replays and reorders are harmless.
        db.execute(
            "INSERT INTO case_status VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (case_id) DO UPDATE"
            " SET status = excluded.status, at = excluded.at, update_id = excluded.update_id,"
            " uid = excluded.uid, sealed = excluded.sealed, case_no = excluded.case_no"
            " WHERE excluded.update_id > case_status.update_id",
            (item["case_id"], item["status"], item["at"], update_id, uid, sealed,
             str(item.get("case_no", ""))))
    elif kind == "visit_request":
        db.execute("INSERT OR IGNORE INTO visit_requests (uid, update_id, date, slot, matter,"
                   " at, sealed) VALUES (?, ?, ?, ?, ?, ?, ?)",
                   (uid, update_id, item["date"], item["slot"], item.get("matter", ""),
                    item["at"], item["sealed"]))
    elif kind == "catalogue":
        db.execute("INSERT OR IGNORE INTO catalogue_versions VALUES (?, ?, ?, ?, ?, ?)",
                   (str(item["version"]), update_id, item["sha256"], item["filename"],
                    item["content"], item["at"]))
    elif kind == "calendar":
        _apply_calendar(db, item, update_id)
    # Unknown kinds come from a newer centre: skipped, the cursor still moves past them.


def _apply_calendar(db: sqlite3.Connection, item: dict[str, Any], update_id: int) -> None:
    """Check a year's calendar again (signed is not sane) and put it in force.

    A calendar that fails is kept, marked not installed, and the pull goes on: that year
    keeps its previous source, and stays marked an estimate where it was one."""
    from station.catalogue.calendar import install_calendar, parse_calendar_text

    content, year, sha = item.get("content"), item.get("year"), item.get("sha256")
    installed = False
    typed = type(content) is str and type(year) is int and type(sha) is str
    if typed and hashlib.sha256(content.encode("utf-8")).hexdigest() == sha:
        try:
            if parse_calendar_text(content).year == year:
                install_calendar(content)
                installed = True
        except (CatalogueError, CatalogueFileError):
            pass
    if not installed:
        _log.warning("calendar update %d refused: not a valid calendar for its year",
                     update_id)
    db.execute("INSERT OR IGNORE INTO calendars VALUES (?, ?, ?, ?, ?, ?, ?)",
               (update_id, year if type(year) is int else 0, str(item.get("version", ""))[:40],
                str(sha)[:64], content if type(content) is str else "",
                str(item.get("at", ""))[:40], int(installed)))
