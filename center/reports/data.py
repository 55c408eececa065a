"""What the centre's reports read from its store, on SQLite and PostgreSQL alike.

Why its own queries and tables: the sync store (center.db) is owned by the sync
part; reports only read its tables (records, conflicts, cases, stations) through
the store's transaction and placeholder helpers, and keep their own small tables
(supervisor accounts, a signing secret, the stations' reconciliation claims),
created here with `CREATE TABLE IF NOT EXISTS` so the sync migrations stay untouched.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from center.record_rules import _UUID7, created_ms, id_ms, real_day
from shared.reports.figures import record_day
from shared.reports.reconcile import Entry

# Stored rows are read as they are, whatever wrote them (a hostile push before the centre
# checked clear fields, a hand edit, a restored backup): a row outside these bounds is
# counted as unreadable and never stops a report (docs/reports.md, "Unreadable rows").
FIRST_MS = int(datetime(2000, 1, 1, tzinfo=UTC).timestamp() * 1000)
SPAN_MS = 400 * 86_400_000  # at most about a year past the centre's clock
_SHOWN_ID = re.compile(r"[A-Za-z0-9_.:-]{1,80}\Z", re.ASCII).match

TABLES = [
    """CREATE TABLE IF NOT EXISTS report_supervisors (
        name TEXT PRIMARY KEY, phc TEXT NOT NULL, created_at BIGINT NOT NULL,
        failures INTEGER NOT NULL DEFAULT 0, retry_at BIGINT NOT NULL DEFAULT 0)""",
    """CREATE TABLE IF NOT EXISTS report_secrets (k TEXT PRIMARY KEY, v TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS report_claims (
        station_id TEXT NOT NULL, day TEXT NOT NULL, manifest TEXT NOT NULL,
        received_at BIGINT NOT NULL, PRIMARY KEY (station_id, day))""",
]


def ensure_tables(store: Any) -> None:
    with store.tx() as cur:
        for stmt in TABLES:
            cur.execute(stmt)


@dataclass(frozen=True)
class Version:
    """One record version as the centre stored it (clear fields only)."""

    station_id: str
    record_id: str
    version: int
    seq: int
    kind: str
    meta: dict[str, str]
    created_at: str
    received_at: int

    @property
    def day(self) -> str:
        return record_day(self.meta, self.created_at)

    def entry(self, state: str = "stored") -> Entry:
        return Entry(self.seq, self.record_id, self.version, self.kind, state)


@dataclass
class Unreadable:
    """Rows a report could not use, by table: counted and named, never fatal."""

    rows: list[tuple[str, str]] = field(default_factory=list)  # (table, shown id)

    def add(self, table: str, row_id: Any) -> None:
        self.rows.append((table, shown_id(row_id)))

    def __len__(self) -> int:
        return len(self.rows)


def shown_id(value: Any) -> str:
    """A stored id as a report may print it: plain id characters, else a mark (a
    hostile id must not carry markup or terminal controls into a page or a console)."""
    return value if isinstance(value, str) and _SHOWN_ID(value) else "(?)"


def row_version(r: Any, created: Any, now_ms: int) -> Version | None:
    """A stored row as a report reads it, or None when any field is out of shape."""
    try:
        sid, rid, version, seq, kind, meta_text, received = r[0], r[1], r[2], r[3], r[4], \
            r[5], r[-1]
        if not (isinstance(sid, str) and isinstance(rid, str) and _UUID7(rid)
                and FIRST_MS <= id_ms(rid) <= now_ms + SPAN_MS
                and type(version) is int and version >= 1 and type(seq) is int and seq >= 1
                and isinstance(kind, str) and type(received) is int):
            return None
        meta = json.loads(meta_text)
        if not isinstance(meta, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in meta.items()):
            return None
        if meta.get("date") and real_day(meta["date"]) is None:
            return None
        ms = created_ms(created)
        if ms is None or not FIRST_MS <= ms <= now_ms + SPAN_MS:
            return None
        return Version(sid, rid, version, seq, kind, meta, created, received)
    except (TypeError, ValueError, RecursionError):
        return None


def versions(store: Any, station_id: str | None = None,
             unreadable: Unreadable | None = None) -> list[Version]:
    """Stored record versions a report can use; the others go to `unreadable`."""
    sql = ("SELECT station_id, record_id, version, seq, kind, meta, created_at, received_at"
           " FROM records")
    return _read(store, sql, "WHERE", station_id, "records", unreadable,
                 lambda r, now: r[6])


def conflicts_waiting(store: Any, station_id: str | None = None,
                      unreadable: Unreadable | None = None) -> list[Version]:
    """Copies the centre refused to overwrite and no person has resolved yet."""
    sql = ("SELECT station_id, record_id, version, seq, kind, meta, received_at FROM conflicts"
           " WHERE resolved_at IS NULL")
    return _read(store, sql, "AND", station_id, "conflicts", unreadable, _received_iso)


def _received_iso(r: Any, now: int) -> str | None:
    """A conflict's creation time is when it was received (epoch ms, checked for shape)."""
    if type(r[6]) is int and 0 <= r[6] <= now + SPAN_MS:
        return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(r[6] / 1000))
    return None


def _read(store: Any, sql: str, joiner: str, station_id: str | None, table: str,
          unreadable: Unreadable | None, created: Callable[[Any, int], Any]) -> list[Version]:
    """The rows of `sql` (one station's, or all) as versions; a row out of shape goes to
    `unreadable` under `table` instead of breaking the report."""
    args: tuple[Any, ...] = ()
    if station_id is not None:
        sql += f" {joiner} station_id = ?"
        args = (station_id,)
    with store.tx() as cur:
        cur.execute(store.q(sql + " ORDER BY station_id, seq"), args)
        rows = cur.fetchall()
    now = int(time.time() * 1000)
    out = []
    for r in rows:
        v = row_version(r, created(r, now), now)
        if v is not None:
            out.append(v)
        elif unreadable is not None:
            unreadable.add(table, r[1])
    return out


STATUSES = frozenset({"accepted", "reviewing", "done", "returned"})


def case_statuses(store: Any, unreadable: Unreadable | None = None) -> dict[str, str]:
    """Back-office status per case record id (no row: still 受理 / accepted)."""
    with store.tx() as cur:
        cur.execute("SELECT case_id, status FROM cases")
        rows = cur.fetchall()
    out = {}
    for case_id, status in rows:
        if status in STATUSES:
            out[case_id] = status
        elif unreadable is not None:
            unreadable.add("cases", case_id)
    return out


def save_claim(store: Any, station_id: str, days: dict[str, list[Entry]],
               head_seq: int | None = None, now: int | None = None) -> int:
    """Keep what the station said it holds per day, stamped with the time and the
    station's head seq, so the centre report judges the claim as of that moment;
    returns the stamp (ms)."""
    now = int(time.time() * 1000) if now is None else now
    with store.tx() as cur:
        for day, entries in days.items():
            manifest = {"entries": [e.to_list() for e in entries], "head_seq": head_seq}
            cur.execute(store.q(
                "INSERT INTO report_claims (station_id, day, manifest, received_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (station_id, day) DO UPDATE"
                " SET manifest = excluded.manifest, received_at = excluded.received_at"),
                (station_id, day, json.dumps(manifest), now))
    return now


@dataclass(frozen=True)
class Claim:
    """A station's manifest of a day, as of `checked_at` (ms) and its `head_seq` then."""

    entries: list[Entry]
    checked_at: int | None
    head_seq: int | None


def claims(store: Any, station_id: str | None = None, unreadable: Unreadable | None = None
           ) -> dict[tuple[str, str], Claim]:
    sql = "SELECT station_id, day, manifest, received_at FROM report_claims"
    args: tuple[Any, ...] = ()
    if station_id is not None:
        sql += " WHERE station_id = ?"
        args = (station_id,)
    with store.tx() as cur:
        cur.execute(store.q(sql), args)
        rows = cur.fetchall()
    out = {}
    for r in rows:
        try:
            if real_day(r[1]) is None:
                raise ValueError(r[1])
            doc = json.loads(r[2])
            if isinstance(doc, list):  # a claim kept before claims were stamped
                doc = {"entries": doc, "head_seq": None}
            head = doc["head_seq"]
            at = r[3] if type(r[3]) is int and FIRST_MS <= r[3] < 2**62 else None
            out[r[0], r[1]] = Claim([Entry.from_list(x) for x in doc["entries"]], at,
                                    head if type(head) is int and head >= 0 else None)
        except (TypeError, ValueError, KeyError, RecursionError):
            if unreadable is not None:
                unreadable.add("report_claims", r[0])
    return out
