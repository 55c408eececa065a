"""Issue 16 at the queue: resealing what the centre cannot open, counters that never
repeat, secrets only the data key opens, old files migrated, owner-only files."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat

import pytest
from stationq import Queue, schema
from stationq.errors import InvalidArgumentError, LockedError
from stationq.sealing import open_envelope

from tests.queue.queue_testkit import PASS, SLOT, STATION


def _garble_sealed(q: Queue, seq: int) -> None:
    """A sealed copy the centre cannot open, whose digest still matches (so only the
    centre can tell): the station sealed garbage, as a broken library might."""
    blob = os.urandom(120)
    q._db.execute("UPDATE records SET sealed = ?, sealed_sha = ? WHERE seq = ?",
                  (blob, hashlib.sha256(blob).digest(), seq))
    q._forget_tail()


def test_an_unopenable_copy_is_sealed_again_from_the_local_copy(make_queue, centre):
    private, key = centre
    q = make_queue(key)
    info = q.append("case", {"name": "张三"}, {"matter": "A01", "status": "accepted"})
    _garble_sealed(q, info.seq)
    q.mark_sent([info])
    assert q.mark_unopenable([info]) == 1
    assert q.unopenable() == [info.key]
    # while it waits, retention keeps the local copy: it is the only good one
    q.purge(q._clock() + 10 * 86400)
    assert q.info(info.record_id).has_local
    q.lock()
    assert q.reseal_unopenable() == 0  # locked: nothing to seal from
    q.unlock(SLOT, PASS)
    assert q.reseal_unopenable() == 1
    assert q.unopenable() == []
    sealed = q.pending()[0]
    env = open_envelope(private, sealed.suite, STATION, info.record_id, 1, sealed.enc)
    assert env["payload"] == {"name": "张三"} and env["meta"]["status"] == "accepted"
    assert env["seq"] == info.seq
    assert q.verify().ok
    assert "reseal" in [e.event for e in q.audit_entries()]


def test_a_row_with_altered_metadata_is_not_resealed(make_queue, centre):
    _, key = centre
    q = make_queue(key)
    info = q.append("case", {"n": 1}, {"matter": "A01", "status": "accepted"})
    q.mark_sent([info])
    q.mark_unopenable([info])
    q._db.execute("UPDATE records SET meta = ? WHERE seq = ?",
                  ('{"matter":"A01","status":"accepued"}', info.seq))
    assert q.reseal([info]) == 0
    assert q.unopenable() == [info.key]


def test_counters_never_repeat_even_when_rows_go(make_queue, tmp_path):
    q = make_queue()
    assert [q.next_number("case/st01/261207") for _ in range(3)] == [1, 2, 3]
    assert q.next_number("case/st01/261208") == 1
    # the start value is asked for once, when the counter is new
    calls = []
    assert q.next_number("case/st01/261209", lambda: calls.append(1) or 7) == 8
    assert q.next_number("case/st01/261209", lambda: calls.append(1) or 0) == 9
    assert calls == [1]
    q.close()
    again = Queue.open(tmp_path / "q.sqlite3")
    assert again.next_number("case/st01/261207") == 4  # persisted, works locked
    with pytest.raises(InvalidArgumentError):
        again.next_number("Case No 1")
    again.close()


def test_a_derived_secret_needs_the_data_key(make_queue, tmp_path, clock):
    q = make_queue()
    first = q.derived_secret("inbox-lock")
    assert len(first) == 32 and first != q.derived_secret("other")
    q.lock()
    with pytest.raises(LockedError):
        q.derived_secret("inbox-lock")
    q.close()
    again = Queue.open(tmp_path / "q.sqlite3", clock=clock)
    again.unlock(SLOT, PASS)
    assert again.derived_secret("inbox-lock") == first  # the same after a restart
    with pytest.raises(InvalidArgumentError):
        again.derived_secret("Bad Label")
    again.close()


def test_a_v4_file_is_migrated_and_its_old_rows_still_verify(make_queue, tmp_path, clock):
    """Rows written before v5 have no metadata digest in their audit entries: they keep
    verifying, and rows written after the migration are bound."""
    q = make_queue()
    q._db.execute("UPDATE meta SET v = ? WHERE k = 'meta_bound_from'", (2 ** 62,))
    q._bound_from = 2 ** 62  # write as v4 did
    old = [q.append("case", {"n": i}, {"matter": "A01"}) for i in range(3)]
    q.close()
    db = sqlite3.connect(tmp_path / "q.sqlite3", isolation_level=None)
    db.execute("DELETE FROM meta WHERE k = 'meta_bound_from'")
    db.execute("PRAGMA user_version = 4")
    db.close()
    q = Queue.open(tmp_path / "q.sqlite3", clock=clock)
    assert schema.version(q._db) == schema.LATEST
    q.unlock(SLOT, PASS)
    assert q.verify().ok
    assert q.get(old[0].record_id) == {"n": 0}
    new = q.append("case", {"n": 9}, {"matter": "A01"})
    q._db.execute("UPDATE records SET meta = ? WHERE seq = ?", ('{"matter":"A02"}', new.seq))
    report = q.verify()
    assert {p.seq for p in report.records} == {new.seq}
    problems = " / ".join(p.problem for p in report.records)
    # bound twice: by its audit entry, and by its local copy's AAD (local/2)
    assert "audit entry" in problems and "fails authentication" in problems


def test_queue_files_are_owner_only(make_queue, tmp_path, clock):
    old = os.umask(0o022)
    try:
        q = make_queue()
        q.append("case", {"n": 1})
        for name in ("q.sqlite3", "q.sqlite3-wal", "q.sqlite3-shm"):
            assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600, name
        q.close()
        (tmp_path / "q.sqlite3").chmod(0o644)  # as an older station left it
        Queue.open(tmp_path / "q.sqlite3", clock=clock).close()
        assert stat.S_IMODE((tmp_path / "q.sqlite3").stat().st_mode) == 0o600
    finally:
        os.umask(old)
