"""The centre report counts in SQL, and rows SQL cannot vouch for go through the Python
reader (center/reports/tally.py): a record whose newer version only Python can read
counts as that newer version, duplicate meta keys read as Python's json reads them (the
last wins), and a rating "05" counts as 5 (shared.reports.figures.rating_of).
"""

from __future__ import annotations

import json
import time
from datetime import date

from stationq import ids

from tests.sync.syncrig import case_meta, make_station


def test_sql_and_python_rows_are_counted_alike(centre) -> None:
    from center.reports import data
    from center.reports.report import build_centre_report

    queue = make_station(centre=centre)
    sid = queue.station_id
    now = int(time.time() * 1000)
    cols = ("record_id, version, station_id, seq, kind, meta, created_at, suite, enc,"
            " digest, received_at")
    rid = ids.record_id(1, now)
    first = json.dumps(case_meta(sid, 1))
    second = json.dumps({**case_meta(sid, 1), "status": "materials_pending"})
    # keys twice: Python's json keeps the last ("accepted"), so the case is not withdrawn
    twice = ('{"case_no": "' + sid + '-261122-002", "matter": "MZ01", "line": "MZ", "date":'
             ' "2026-11-22", "status": "withdrawn", "status": "accepted", "rating": "05"}')
    rows = [
        (rid, 1, sid, 1, "case", first, "2026-11-22T01:00:00+00:00"),
        # a creation time with another offset: valid, but not a shape SQL vouches for
        (rid, 2, sid, 2, "case", second, "2026-11-22T09:00:00+08:00"),
        (ids.record_id(3, now), 1, sid, 3, "case", twice, "2026-11-22T02:00:00+00:00"),
        (ids.record_id(4, now), 1, sid, 4, "case", json.dumps(case_meta(sid, 4)),
         "2026-11-22T03:00:00.123456+00:00"),
    ]
    store = centre.store()
    try:
        data.ensure_tables(store)
        with store.tx() as cur:
            for r in rows:
                cur.execute(store.q(f"INSERT INTO records ({cols}) VALUES"
                                    " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
                            (*r, "x25519-hkdf-sha256-aes256gcm", b"e", b"d", now))
        rep = build_centre_report(store, date_from=date(2026, 11, 22),
                                  date_to=date(2026, 11, 22), today=date(2026, 11, 22))
    finally:
        store.close()
    (row,) = rep.rows
    assert row.received == 4 and (row.seq_lo, row.seq_hi) == (1, 4)
    f = row.figures
    assert (f.cases, f.materials_pending, f.withdrawn) == (3, 1, 0)
    assert (f.rated, f.rating_sum) == (1, 5)
    assert sum(rep.per_line.values()) == 3 and next(iter(rep.per_line)).startswith("MZ")
    assert len(rep.unreadable) == 0
