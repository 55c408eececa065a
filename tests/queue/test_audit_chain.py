"""The audit chain names a removed, reordered or altered entry."""

from __future__ import annotations

import contextlib
import sqlite3

import pytest
from stationq import Queue

from tests.queue.queue_testkit import PASS, SLOT


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


@pytest.mark.parametrize("version, sealed_only, at", [(1, False, 1790000000.123),
                                                      (3, True, 0.1), (1, True, 1e-7)])
def test_the_one_step_record_hash_is_the_chain_hash(version, sealed_only, at):
    """Appends hash their row with ``record_hash``; ``verify`` rebuilds it from parts."""
    from stationq import audit

    prev, rid = bytes(range(32)), "019a2b3c-4d5e-7f60-8a1b-2c3d4e5f6a7b"
    assert audit.record_hash(prev, 42, at, rid, "case.v2", sealed_only, 17, version) == \
        audit.entry_hash(prev, 42, at, audit.record_event(version),
                         audit.record_fields(rid, "case.v2", sealed_only, 17, version))
