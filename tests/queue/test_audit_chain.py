"""The audit chain names a removed, reordered or altered entry."""

from __future__ import annotations

import contextlib
import sqlite3

import pytest
from queue_testkit import PASS, SLOT
from stationq import Queue


@pytest.fixture
def chain(make_queue, centre, tmp_path, clock):
    _, key = centre
    q = make_queue(key)
    for i in range(3):
        info = q.append("case", {"i": i})
        q.audit("print", id=info.record_id, document="receipt")
    q.lock()
    with contextlib.suppress(Exception):
        q.unlock(SLOT, "wrong")
    q.unlock(SLOT, PASS)
    q.close()
    return tmp_path / "q.sqlite3"


def _tamper(path, *sql):
    db = sqlite3.connect(path)
    for statement in sql:
        db.execute(statement)
    db.commit()
    db.close()


def _report(path, clock):
    q = Queue.open(path, clock=clock)
    report = q.verify()
    q.close()
    return report


def test_intact_chain_is_clean(chain, clock):
    assert _report(chain, clock).ok


def test_removed_entry(chain, clock):
    _tamper(chain, "DELETE FROM audit WHERE event = 'print' AND n = "
                   "(SELECT min(n) FROM audit WHERE event = 'print')")
    report = _report(chain, clock)
    assert any("missing" in p for p in report.audit)
    assert not report.records and not report.sequence


def test_reordered_entries(chain, clock):
    db = sqlite3.connect(chain)
    (a, b) = db.execute("SELECT n FROM audit WHERE event = 'print' ORDER BY n LIMIT 2").fetchall()
    row_a = db.execute("SELECT at, event, fields, prev, hash FROM audit WHERE n = ?", a).fetchone()
    row_b = db.execute("SELECT at, event, fields, prev, hash FROM audit WHERE n = ?", b).fetchone()
    db.execute("UPDATE audit SET at=?, event=?, fields=?, prev=?, hash=? WHERE n = ?", (*row_b, *a))
    db.execute("UPDATE audit SET at=?, event=?, fields=?, prev=?, hash=? WHERE n = ?", (*row_a, *b))
    db.commit()
    db.close()
    report = _report(chain, clock)
    assert any(f"entry {a[0]}" in p for p in report.audit)


def test_altered_entry(chain, clock):
    _tamper(chain, "UPDATE audit SET fields = '{\"slot\":\"s99\"}' WHERE event = 'unlock_failed'")
    report = _report(chain, clock)
    assert len(report.audit) == 1 and "unlock_failed" in report.audit[0]


def test_removed_from_the_end(chain, clock):
    _tamper(chain, "DELETE FROM audit WHERE n = (SELECT max(n) FROM audit)")
    assert any("removed from the end" in p for p in _report(chain, clock).audit)


def test_removed_record_row_breaks_sequence_and_chain(chain, clock):
    _tamper(chain, "DELETE FROM records WHERE seq = 2")
    report = _report(chain, clock)
    assert report.sequence == ["sequence gap after 1"]
    assert any("missing" in p for p in report.audit)
