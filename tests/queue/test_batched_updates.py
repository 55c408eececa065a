"""State updates by batch (``Queue._update_rows``) change exactly the rows, counts and
audit entries that one statement per key did (``Queue._update_each``, the old way)."""

from __future__ import annotations

import shutil
import sqlite3

from stationq import Queue

from tests.queue.queue_testkit import PASS, SLOT, FakeClock

META = {"case_no": "C-1", "matter": "MZ01"}


def _pair(tmp_path, make_queue, centre, clock: FakeClock) -> tuple[Queue, Queue, list]:
    """Two copies of one queue: 70 records (more than one UPDATE's worth), three amended."""
    q = make_queue(centre[1])
    infos = [q.append("case", {"n": i}, META) for i in range(70)]
    q.unlock(SLOT, PASS)
    for info in infos[5:8]:
        q.amend(info.record_id, {"n": "amended"}, reason="typo")
    q.close()
    shutil.copyfile(tmp_path / "q.sqlite3", tmp_path / "old.sqlite3")
    batched = Queue.open(tmp_path / "q.sqlite3", clock=clock)
    old = Queue.open(tmp_path / "old.sqlite3", clock=clock)
    old._update_rows = lambda tx, sql, items, **extra: old._update_each(  # type: ignore
        tx, sql, [(str(k[0]), int(k[1])) for k in items], {"now": clock(), **extra})
    return batched, old, infos


def _rows(path) -> tuple[list, list]:
    db = sqlite3.connect(path)
    try:
        return (db.execute("SELECT * FROM records ORDER BY seq").fetchall(),
                db.execute("SELECT * FROM audit ORDER BY n").fetchall())
    finally:
        db.close()


def test_batched_updates_change_what_one_statement_per_key_did(tmp_path, make_queue, centre,
                                                               clock):
    batched, old, infos = _pair(tmp_path, make_queue, centre, clock)
    keys = [i.key for i in infos]
    unknown = (infos[3].record_id[:-4] + "0000", 1)  # carries seq 4, but no row has this id
    steps = [
        ("mark_sent", [*keys[:40], (infos[6].record_id, 2), unknown], ()),
        ("mark_sent", [keys[1], keys[1], keys[2]], ()),  # a key twice counts twice, as ever
        ("acknowledge", [*keys[:30], (infos[5].record_id, 2), ("no-such-id", 1)], ()),
        ("acknowledge", keys[:35], ()),  # idempotent: only the five not acknowledged yet
        ("mark_conflict", keys[30:50], ("conflict at centre",)),
        ("record_failure", [*keys[45:70], (infos[7].record_id, 2)], ("offline",)),
        ("mark_unopenable", keys[60:65], ()),
        ("acknowledge", [list(k) for k in keys[50:]], ()),  # keys as JSON gives them back
    ]
    for name, items, args in steps:
        clock.advance(1)
        assert getattr(batched, name)(items, *args) == getattr(old, name)(items, *args), name
    assert _rows(tmp_path / "q.sqlite3") == _rows(tmp_path / "old.sqlite3")
    states = batched.stats().counts
    assert states["acknowledged"] > 0 and states["conflict"] > 0
    assert batched.verify().ok and old.verify().ok
    batched.close()
    old.close()


def test_acknowledge_marks_exactly_the_acknowledged_rows(make_queue, centre):
    q = make_queue(centre[1])
    infos = [q.append("case", {"n": i}, META) for i in range(50)]
    chosen = infos[3:47:2]
    assert q.mark_sent([i.key for i in infos]) == 50
    assert q.acknowledge([i.key for i in chosen]) == len(chosen)
    acked = {seq for (seq,) in q._db.execute(
        "SELECT seq FROM records WHERE state = 2 AND sealed IS NULL")}
    assert acked == {i.seq for i in chosen}
    assert [r.seq for r in q.pending(100)] == [i.seq for i in infos if i not in chosen]
    assert q.pending_count() == 50 - len(chosen)
    q.close()
