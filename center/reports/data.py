"""What the centre's reports read from its store, on SQLite and PostgreSQL alike.

Why its own queries and tables: the sync store (center.db) is owned by the sync
part; reports only read its tables (records, conflicts, cases, stations) through
the store's transaction and placeholder helpers, and keep their own small tables
(supervisor accounts, a signing secret, the stations' reconciliation claims),
created here with `CREATE TABLE IF NOT EXISTS` so the sync migrations stay untouched.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from station.reports.figures import record_day
from station.reports.reconcile import Entry

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


def versions(store: Any, station_id: str | None = None) -> list[Version]:
    sql = ("SELECT station_id, record_id, version, seq, kind, meta, created_at, received_at"
           " FROM records")
    args: tuple[Any, ...] = ()
    if station_id is not None:
        sql += " WHERE station_id = ?"
        args = (station_id,)
    with store.tx() as cur:
        cur.execute(store.q(sql + " ORDER BY station_id, seq"), args)
        rows = cur.fetchall()
    return [Version(r[0], r[1], int(r[2]), int(r[3]), r[4], json.loads(r[5]), str(r[6]),
                    int(r[7])) for r in rows]


def conflicts_waiting(store: Any, station_id: str | None = None) -> list[Version]:
    """Copies the centre refused to overwrite and no person has resolved yet."""
    sql = ("SELECT station_id, record_id, version, seq, kind, meta, received_at FROM conflicts"
           " WHERE resolved_at IS NULL")
    args: tuple[Any, ...] = ()
    if station_id is not None:
        sql += " AND station_id = ?"
        args = (station_id,)
    with store.tx() as cur:
        cur.execute(store.q(sql + " ORDER BY station_id, seq"), args)
        rows = cur.fetchall()
    out = []
    for r in rows:
        at = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(int(r[6]) / 1000))
        out.append(Version(r[0], r[1], int(r[2]), int(r[3]), r[4], json.loads(r[5]), at,
                           int(r[6])))
    return out


def case_statuses(store: Any) -> dict[str, str]:
    """Back-office status per case record id (no row: still 受理 / accepted)."""
    with store.tx() as cur:
        cur.execute("SELECT case_id, status FROM cases")
        return {r[0]: r[1] for r in cur.fetchall()}


def save_claim(store: Any, station_id: str, days: dict[str, list[Entry]]) -> None:
    """Keep what the station said it holds per day; the centre report compares against it."""
    now = int(time.time() * 1000)
    with store.tx() as cur:
        for day, entries in days.items():
            cur.execute(store.q(
                "INSERT INTO report_claims (station_id, day, manifest, received_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (station_id, day) DO UPDATE"
                " SET manifest = excluded.manifest, received_at = excluded.received_at"),
                (station_id, day, json.dumps([e.to_list() for e in entries]), now))


def claims(store: Any, station_id: str | None = None) -> dict[tuple[str, str], list[Entry]]:
    sql = "SELECT station_id, day, manifest FROM report_claims"
    args: tuple[Any, ...] = ()
    if station_id is not None:
        sql += " WHERE station_id = ?"
        args = (station_id,)
    with store.tx() as cur:
        cur.execute(store.q(sql), args)
        rows = cur.fetchall()
    return {(r[0], r[1]): [Entry.from_list(x) for x in json.loads(r[2])] for r in rows}
