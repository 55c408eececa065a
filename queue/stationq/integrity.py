"""verify(): everything about a queue file that can be checked, each part on its own.

Why separate functions: a damaged file must still yield a full report, so every
check runs in isolation and one damaged row, or a file SQLite itself finds
malformed, never hides the others.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import sqlite3

from stationq import audit as audit_chain
from stationq import ids, keys, sealing
from stationq.model import RecordProblem, VerifyReport
from stationq.schema import ACKNOWLEDGED, CONFLICT, PENDING, PURGED, SENT, STATE_NAMES


def verify(db: sqlite3.Connection, *, station_id: str, key_id: str,
           cipher: keys.LocalCipher | None, enrolled: bool) -> VerifyReport:
    """Integrity, sequence, every row (AEAD tags when ``cipher`` is given), audit chain."""
    report = VerifyReport(aead_checked=cipher is not None)
    try:
        lines = [r[0] for r in db.execute("PRAGMA integrity_check")]
    except sqlite3.DatabaseError as exc:
        lines = [f"SQLite cannot check the file: {exc}"]
    if lines != ["ok"]:
        report.integrity.extend(lines)
    checks = (
        ("sequence", lambda: _sequence(db, report), report.sequence),
        ("records", lambda: _records(db, report, key_id, cipher, enrolled), report.integrity),
        ("audit", lambda: _audit(db, report, station_id), report.audit),
        ("states", lambda: _states(db, report), report.integrity),
    )
    for name, run, target in checks:
        try:
            run()
        except sqlite3.DatabaseError as exc:
            target.append(f"{name} check stopped: {exc}")
    return report


def _sequence(db: sqlite3.Connection, report: VerifyReport) -> None:
    top, count, low = db.execute("SELECT max(seq), count(*), min(seq) FROM records").fetchone()
    if top is not None and low != 1:
        report.sequence.append(f"sequence starts at {low}, not 1")
    if top is not None and count != top - low + 1:
        for (seq,) in db.execute(
            "SELECT seq FROM records r WHERE seq < ? AND NOT EXISTS "
            "(SELECT 1 FROM records n WHERE n.seq = r.seq + 1)", (top,)
        ):
            report.sequence.append(f"sequence gap after {seq}")
    for rid, top_v, n in db.execute(
        "SELECT record_id, max(version), count(*) FROM records GROUP BY record_id "
        "HAVING max(version) != count(*) OR min(version) != 1"
    ):
        report.sequence.append(f"record {rid} has {n} versions but the newest is {top_v}")
    _unsent_mark(db, report)
    _ids_carry_seqs(db, report)


def _ids_carry_seqs(db: sqlite3.Connection, report: VerifyReport) -> None:
    """From schema v4 on, a record is found by the seq its id carries, and time ranges
    rely on ids rising with seq (see ids.py): a row that breaks either is reported."""
    row = db.execute("SELECT v FROM meta WHERE k = 'id_seq_from'").fetchone()
    first = row[0] if row is not None and type(row[0]) is int else 1
    previous = ""
    for seq, rid in db.execute("SELECT seq, record_id FROM records WHERE version = 1 "
                               "AND seq >= ? ORDER BY seq", (first,)):
        if ids.seq_in_id(str(rid)) != seq:
            report.sequence.append(f"record {rid} (seq {seq}) has an id that does not carry "
                                   "its seq: it cannot be found by its id")
        elif str(rid) <= previous:
            report.sequence.append(f"record {rid} (seq {seq}) has an id lower than the record "
                                   "before it: time ranges may miss it")
        previous = max(previous, str(rid))


def _unsent_mark(db: sqlite3.Connection, report: VerifyReport) -> None:
    """pending() looks for never-sent versions only from the mark on (see schema v3)."""
    row = db.execute("SELECT v FROM meta WHERE k = 'unsent_from'").fetchone()
    if row is None or type(row[0]) is not int:
        report.sequence.append("the unsent mark is missing or malformed: pending() cannot "
                               "find the versions never sent")
        return
    hidden, low = db.execute("SELECT count(*), min(seq) FROM records WHERE seq < ? "
                             "AND state < 2 AND attempts = 0", (row[0],)).fetchone()
    if hidden:
        report.sequence.append(f"{hidden} versions never sent (from seq {low}) lie below the "
                               f"unsent mark {row[0]}: pending() skips them")


def _records(db: sqlite3.Connection, report: VerifyReport, key_id: str,
             cipher: keys.LocalCipher | None, enrolled: bool) -> None:
    bound = audit_chain.bound_from(db)
    for row in db.execute(
        "SELECT seq, record_id, version, kind, state, meta, key_id, suite, sealed_sha, "
        "local, sealed FROM records ORDER BY seq"
    ):
        report.records_checked += 1
        try:
            problems = _row_problems(*row, queue_key_id=key_id, cipher=cipher, enrolled=enrolled,
                                     bound_from=bound)
        except Exception as exc:  # a malformed row must not stop the others being checked
            problems = [f"unreadable row ({type(exc).__name__})"]
        report.records.extend(RecordProblem(row[0], str(row[1]), row[2], p) for p in problems)


def _row_problems(seq: int, rid: str, version: int, kind: str, state: int, meta: str,
                  key_id: str | None, suite: str | None, sealed_sha: bytes | None,
                  local: bytes | None, sealed: bytes | None, *, queue_key_id: str,
                  cipher: keys.LocalCipher | None, enrolled: bool,
                  bound_from: int) -> list[str]:
    problems = []
    if state not in STATE_NAMES:
        problems.append(f"unknown state {state!r}")
    try:
        is_object = isinstance(json.loads(meta), dict)
    except (TypeError, ValueError):
        is_object = False
    if not is_object:  # reported, and the other checks still run
        problems.append("clear metadata is not a JSON object")
    if local is not None:
        if key_id != queue_key_id:
            problems.append("local copy is under an unknown data key")
        elif cipher is not None and not cipher.check(
            local, keys.local_aad(rid, version, kind, seq, key_id, audit_chain.meta_digest(
                str(meta)) if seq >= bound_from else None)
        ):
            problems.append("local copy fails authentication (altered or damaged)")
    if sealed is not None:
        if sealed_sha is None or hashlib.sha256(sealed).digest() != sealed_sha:
            problems.append("sealed copy does not match its digest (altered or damaged)")
        if suite not in sealing.SUITES:
            problems.append("sealed copy names an unknown HPKE suite")
    if state in (PENDING, SENT, CONFLICT) and local is None and sealed is None:
        problems.append("no copy left although the centre has not acknowledged it")
    if enrolled and state in (PENDING, SENT) and sealed is None:
        problems.append("not sealed although the centre key is known")
    return problems


def _audit(db: sqlite3.Connection, report: VerifyReport, station_id: str) -> None:
    row = db.execute("SELECT v FROM meta WHERE k = 'audit_head'").fetchone()
    head = None
    if row and row[0]:
        n, digest = json.loads(row[0])
        head = (int(n), bytes.fromhex(digest))
    broken: list[int] = []
    report.audit.extend(audit_chain.check(db, station_id, head, broken))
    for seq in broken:  # a record row's own entry: name the record, not only the entry
        found = db.execute("SELECT record_id, version FROM records WHERE seq = ?",
                           (seq,)).fetchone()
        if found is not None:
            report.records.append(RecordProblem(seq, str(found[0]), found[1], ROW_ALTERED))


ROW_ALTERED = ("clear fields (metadata, kind, time) do not match the record's audit entry "
               "(altered or damaged)")
UNACKED = "marked acknowledged, but the centre never acknowledged it (altered or damaged)"
NO_CONFLICT = "marked as a conflict, but the centre never refused it (altered or damaged)"


def parse_ranges(text: object) -> list[tuple[int, int]]:
    """'1-3,7' -> [(1, 3), (7, 7)]; anything malformed yields nothing (see ``_ranges``)."""
    out = []
    for part in str(text or "").split(","):
        lo, _, hi = part.partition("-")
        try:
            out.append((int(lo), int(hi or lo)))
        except ValueError:
            continue
    return out


class _Spans:
    """Seq ranges from audit events, merged, for membership tests by bisection."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        merged: list[list[int]] = []
        for lo, hi in sorted(spans):  # a resent batch is acknowledged twice: spans overlap
            if merged and lo <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], hi)
            else:
                merged.append([lo, hi])
        self._lows = [lo for lo, _ in merged]
        self._highs = [hi for _, hi in merged]

    def __contains__(self, seq: int) -> bool:
        i = bisect.bisect_right(self._lows, seq) - 1
        return i >= 0 and seq <= self._highs[i]


def state_spans(db: sqlite3.Connection) -> tuple[_Spans, _Spans]:
    """(acknowledged, refused as conflict) seqs, as the audit chain recorded them."""
    acked: list[tuple[int, int]] = []
    conflicted: list[tuple[int, int]] = []
    for event, fields in db.execute("SELECT event, fields FROM audit "
                                    "WHERE event IN ('acknowledge', 'conflict')"):
        try:
            seqs = json.loads(fields).get("seqs")
        except (ValueError, AttributeError):
            continue
        (acked if event == "acknowledge" else conflicted).extend(parse_ranges(seqs))
    return _Spans(acked), _Spans(conflicted)


def state_problem(state: object, seq: int, acked: _Spans, conflicted: _Spans) -> str | None:
    """Why a row's state column contradicts the audit chain, or None.

    The state is the one clear field that changes after the append, so the row's own
    entry cannot cover it; every change that takes a row out of ``pending()`` is an
    audited event naming its seqs, so a row out of ``pending()`` must be named by one.
    """
    if state in (ACKNOWLEDGED, PURGED) and seq not in acked:
        return UNACKED
    if state == CONFLICT and seq not in conflicted and seq not in acked:
        return NO_CONFLICT
    return None


def _states(db: sqlite3.Connection, report: VerifyReport) -> None:
    acked, conflicted = state_spans(db)
    for seq, rid, version, state in db.execute(
            "SELECT seq, record_id, version, state FROM records WHERE state >= 2"):
        problem = state_problem(state, seq, acked, conflicted)
        if problem is not None:
            report.records.append(RecordProblem(seq, str(rid), version, problem))
