"""The audit chain: one numbered sequence of events, each hashing the one before it.

Why two homes for one chain: an append or amend is already a row in ``records``
written in the same transaction, so that row *is* its audit entry — it carries its
event number (``audit_n``) and hash (``audit_hash``), computed over its clear fields.
Every other event (unlock, failed unlock, read, print, purge, key change, ack, ...)
is a row of the ``audit`` table. Saving a second row per append keeps the append
at one small transaction. An altered, removed or reordered entry breaks the chain at
that point and ``verify()`` names it. Entries hold only clear, non-personal fields.

From schema v5 a record row's entry also carries the SHA-256 of the row's clear
metadata (``meta_bound_from`` in ``meta``: the first seq written that way), so a
flipped byte in the clear metadata breaks that row's entry; rows written before
the migration keep the old fields (their metadata was never hashed).
"""

from __future__ import annotations

import functools
import hashlib
import heapq
import json
import sqlite3
from collections.abc import Iterator
from typing import Any

RECORD_EVENTS = ("append", "amend")


def genesis(station_id: str) -> bytes:
    return hashlib.sha256(f"stationq/audit/1\x1f{station_id}".encode()).digest()


def fields_json(fields: dict[str, Any]) -> str:
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


@functools.lru_cache(maxsize=4096)
def meta_digest(meta_text: str) -> str:
    """SHA-256 (hex) of a row's clear-metadata text as stored; cached, as a day's rows
    repeat a few metadata texts."""
    return hashlib.sha256(meta_text.encode()).hexdigest()


def record_fields(record_id: str, kind: str, sealed_only: bool, seq: int, version: int,
                  meta_sha: str | None = None) -> str:
    """The fields of a record's own audit entry, as ``fields_json`` would write them.

    Built by hand (record ids and kinds are validated, so nothing needs escaping):
    this runs on every append. ``meta_sha``: the metadata digest (schema v5 rows).
    """
    flag = "true" if sealed_only else "false"
    meta = "" if meta_sha is None else f'"meta":"{meta_sha}",'
    return (f'{{"id":"{record_id}","kind":"{kind}",{meta}"sealed_only":{flag},'
            f'"seq":{seq},"version":{version}}}')


def record_event(version: int) -> str:
    return RECORD_EVENTS[0] if version == 1 else RECORD_EVENTS[1]


def entry_hash(prev: bytes, n: int, at: float, event: str, fields: str) -> bytes:
    return hashlib.sha256(prev + f"{n}\x1f{at!r}\x1f{event}\x1f{fields}".encode()).digest()


def record_hash(prev: bytes, n: int, at: float, record_id: str, kind: str, sealed_only: bool,
                seq: int, version: int, meta_sha: str | None = None) -> bytes:
    """``entry_hash`` of a record row's own event, as ``events`` rebuilds it (``verify``
    checks every one), in one step: this runs on every append."""
    event = RECORD_EVENTS[0] if version == 1 else RECORD_EVENTS[1]
    flag = "true" if sealed_only else "false"
    meta = "" if meta_sha is None else f'"meta":"{meta_sha}",'
    return hashlib.sha256(prev + (
        f'{n}\x1f{at!r}\x1f{event}\x1f{{"id":"{record_id}","kind":"{kind}",{meta}'
        f'"sealed_only":{flag},"seq":{seq},"version":{version}}}').encode()).digest()


def bound_from(db: sqlite3.Connection) -> int:
    """The first seq whose audit entry carries its metadata digest (schema v5); files
    not yet migrated answer past every row."""
    row = db.execute("SELECT v FROM meta WHERE k = 'meta_bound_from'").fetchone()
    return row[0] if row is not None and type(row[0]) is int else 2 ** 62


def tail(db: sqlite3.Connection, station_id: str) -> tuple[int, bytes]:
    """(number, hash) of the newest event in either home, or (0, genesis)."""
    best = (0, genesis(station_id))
    for sql in ("SELECT n, hash FROM audit ORDER BY n DESC LIMIT 1",
                "SELECT audit_n, audit_hash FROM records ORDER BY seq DESC LIMIT 1"):
        row = db.execute(sql).fetchone()
        if row is not None and row[0] > best[0]:
            best = (row[0], row[1])
    return best


def insert(db: sqlite3.Connection, n: int, prev: bytes, at: float, event: str, fields: str
           ) -> bytes:
    """Add event ``n`` (not an append/amend) after the event whose hash is ``prev``."""
    digest = entry_hash(prev, n, at, event, fields)
    db.execute("INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?)", (n, at, event, fields, prev, digest))
    return digest


def events(db: sqlite3.Connection, after_n: int = 0, after_seq: int = 0
           ) -> Iterator[tuple[int, float, str, str, bytes]]:
    """Every event as (n, at, event, fields, hash) in number order, from both homes.

    Record rows are streamed in seq order, which is also their event order.
    """
    for entry in _events(db, after_n, after_seq):
        yield entry[:5]


def _events(db: sqlite3.Connection, after_n: int = 0, after_seq: int = 0
            ) -> Iterator[tuple[int, float, str, str, bytes, int | None]]:
    """``events`` plus the seq of a record row's entry (None for ``audit``-table events)."""
    table = ((*row, None) for row in db.execute(
        "SELECT n, at, event, fields, hash FROM audit WHERE n > ? ORDER BY n", (after_n,)))
    first_bound = bound_from(db)
    rows = db.cursor().execute(
        "SELECT audit_n, created_at, version, record_id, kind, key_id IS NULL, seq, audit_hash, "
        "meta FROM records WHERE seq > ? ORDER BY seq", (after_seq,))

    def from_records() -> Iterator[tuple[int, float, str, str, bytes, int | None]]:
        for n, at, version, rid, kind, sealed_only, seq, digest, meta in rows:
            if n is None or n <= after_n:
                continue
            sha = meta_digest(str(meta)) if seq >= first_bound else None
            yield (n, at, record_event(version),
                   record_fields(rid, kind, bool(sealed_only), seq, version, sha), digest, seq)

    yield from heapq.merge(table, from_records(), key=lambda e: e[0])


def row_entry_ok(db: sqlite3.Connection, station_id: str, seq: int) -> bool:
    """Whether one record row still hashes onto the event before it — the cheap check a
    list runs per row (``check`` walks the whole chain). The event before is event n-1,
    in the ``audit`` table or in the row before (record rows' numbers rise with seq)."""
    row = db.execute("SELECT audit_n, created_at, version, record_id, kind, key_id IS NULL, "
                     "audit_hash, meta FROM records WHERE seq = ?", (seq,)).fetchone()
    if row is None:
        return False
    n, at, version, rid, kind, sealed_only, digest, meta = row
    if type(n) is not int:
        return False
    if n == 1:
        prev: Any = genesis(station_id)
    else:
        prev = db.execute("SELECT hash FROM audit WHERE n = ?", (n - 1,)).fetchone()
        if prev is None:
            prev = db.execute("SELECT audit_hash FROM records WHERE seq = ? AND audit_n = ?",
                              (seq - 1, n - 1)).fetchone()
        if prev is None:
            return False
        prev = prev[0]
    sha = meta_digest(str(meta)) if seq >= bound_from(db) else None
    try:
        return entry_hash(bytes(prev), n, at, record_event(version), record_fields(
            rid, kind, bool(sealed_only), seq, version, sha)) == digest
    except (TypeError, ValueError, IndexError):
        return False


def check(db: sqlite3.Connection, station_id: str, head: tuple[int, bytes] | None,
          broken_rows: list[int] | None = None) -> list[str]:
    """Problems in the chain, one line each.

    ``head`` is the last (n, hash) written by a table event; if entries up to it
    are gone from the end, that is reported too. The seqs of record rows whose own
    entry does not hash are added to ``broken_rows`` (so they can be named as records).
    """
    problems: list[str] = []
    expected_n, prev = 1, genesis(station_id)
    seen_head = head is None
    for n, at, event, text, digest, seq in _events(db):
        if n is None:
            problems.append("an audit entry has no number")
            continue
        if n < expected_n:
            problems.append(f"audit entry {n} appears twice or out of order")
        elif n > expected_n:
            problems.append(f"audit entries {expected_n}..{n - 1} are missing")
        if entry_hash(prev, n, at, event, text) != digest:
            if seq is not None and broken_rows is not None and n == expected_n:
                broken_rows.append(seq)
            problems.append(f"audit entry {n} ({event}) does not match the chain "
                            "(altered, reordered, or an entry before it was removed)")
        if head is not None and n == head[0]:
            seen_head = True
            if digest != head[1]:
                problems.append(f"audit entry {n} is not the entry last recorded as the head")
        expected_n, prev = n + 1, digest
    if not seen_head:
        problems.append(f"audit entries up to {head[0]} were removed from the end")
    return problems
