"""Reports never fail on stored data: hostile rows written straight into the database
(SQLite and a real PostgreSQL) are counted as unreadable, with their ids, and every
report format and page still answers.

The rows are what a centre that believed clear fields stored from a stolen laptop's key
(issue 16), plus what a hand edit or a damaged restore leaves: metadata that is not
JSON or not an object, floats, booleans and NaN where text belongs, 2026-13-45, a
UUIDv4 id (its "time" is in the year 10138), ids carrying terminal controls, nesting
deep enough to exhaust the parser, unknown back-office statuses, broken manifests.
"""

from __future__ import annotations

import functools
import json
import time
import uuid

from stationq import ids

from tests.center.hostile import DAY, reports_answer
from tests.sync.syncrig import case_meta, client_for, make_station


def _row(station_id: str, record_id: str, seq: int, meta: str, created: str = "",
         kind: str = "case") -> tuple:
    now = int(time.time() * 1000)
    return (record_id, 1, station_id, seq, kind, meta,
            created or "2026-11-22T01:00:00+00:00", "x25519-hkdf-sha256-aes256gcm",
            b"blob", b"digest", now)


def test_hostile_rows_are_counted_unreadable_and_reports_answer(centre, tmp_path) -> None:
    from center.reports import data

    queue = make_station(centre=centre)
    sid = queue.station_id
    queue.append("case", {"n": 1}, case_meta(sid, 1))  # one honest case, pushed for real
    client = client_for(queue)
    assert client.run_once().last_error is None
    client.close()

    good = case_meta(sid, 5)
    now_ms = int(time.time() * 1000)

    @functools.cache
    def v7(seq: int) -> str:  # one id per seq (the id's tail is random)
        return ids.record_id(seq, now_ms)

    escape_id = "\x1b[2J\x1b]0;pwned\x07"
    rows = [
        _row(sid, v7(10), 10, "{not json"),
        _row(sid, v7(11), 11, "[1, 2]"),
        _row(sid, v7(12), 12, json.dumps({**good, "rating": 4.5})),
        _row(sid, v7(13), 13, json.dumps({**good, "date": "2026-13-45"})),
        _row(sid, str(uuid.uuid4()), 14, json.dumps({k: v for k, v in good.items()
                                                     if k != "date"})),
        _row(sid, ids.record_id(15, 2**48 - 1), 15, json.dumps(good)),
        _row(sid, v7(16), 16, json.dumps(good), created="yesterday-ish"),
        _row(sid, v7(17), 17, '{"rating": NaN, "date": "2026-11-22"}'),
        _row(sid, escape_id, 18, json.dumps(good)),
        _row(sid, v7(19), 19, json.dumps({**good, "site": True, "status": False})),
        _row(sid, v7(20), 20, "[" * 100_000 + "]" * 100_000),
        _row(sid, v7(21), 21, json.dumps({**good, "staff": None})),
    ]
    store = centre.store()
    try:
        data.ensure_tables(store)
        cols = ("record_id, version, station_id, seq, kind, meta, created_at, suite, enc,"
                " digest, received_at")
        with store.tx() as cur:
            for row in rows:
                cur.execute(store.q(f"INSERT INTO records ({cols}) VALUES"
                                    " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"), row)
            cur.execute(store.q(
                "INSERT INTO conflicts (record_id, version, station_id, seq, kind, meta,"
                " suite, enc, digest, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
                (v7(30), 1, sid, 30, "case", "{broken", "s", b"e", b"d", now_ms))
            cur.execute(store.q("INSERT INTO cases (case_id, station_id, status, updated_at)"
                                " VALUES (?, ?, ?, ?)"), (v7(31), sid, "已办妥<b>", now_ms))
            cur.execute(store.q("INSERT INTO report_claims (station_id, day, manifest,"
                                " received_at) VALUES (?, ?, ?, ?)"),
                        (sid, DAY, "[[1, 2]", now_ms))
            expected = len(rows) + 3
            if store.engine == "sqlite":  # SQLite keeps any type in any column
                cur.execute(f"INSERT INTO records ({cols}) VALUES"
                            " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            (v7(40), "one", sid, "forty", 1.5, json.dumps(good),
                             "2026-11-22T01:00:00+00:00", "s", b"e", b"d", "now"))
                expected += 1
    finally:
        store.close()

    reports_answer(centre, tmp_path, unreadable=expected)
    out = centre.cli("report", "--from", "2026-10-01", "--to", "2026-12-31", "--format",
                     "json")
    doc = json.loads(out.stdout)
    named = {r["id"] for r in doc["unreadable"]["rows"]}
    assert v7(10) in named and v7(31) in named and "(?)" in named  # the escape id, masked
    assert escape_id not in out.stdout and "\x1b" not in out.stdout
    assert doc["total"]["cases"] == 1  # the honest case still counts
    text = centre.cli("report", "--from", "2026-10-01", "--to", "2026-12-31")
    assert "\x1b" not in text.stdout
    # The back office reads the same rows: still a sentence, never a traceback.
    out = centre.cli("case", "set-status", "no-such-case", "办结")
    assert out.returncode == 1 and "Traceback" not in out.stderr
