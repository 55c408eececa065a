"""pending() walks an index and a seq range in seq order: no table scan, no temporary
B-tree for sorting, and its cost does not grow with the acknowledged history."""

from __future__ import annotations

from stationq import Queue


def _plan(q: Queue) -> str:
    return " | ".join(r[3] for r in q._db.execute("EXPLAIN QUERY PLAN " + Queue.PENDING_SQL,
                                                  (0, 500)))


def test_pending_uses_the_sent_index_and_the_unsent_range(make_queue, centre):
    _, key = centre
    q = make_queue(key)
    for i in range(300):
        q.append("case", {"i": i}, {"matter": "A01"})
    q.acknowledge(q.pending(250))
    q._db.execute("ANALYZE")  # the plan must hold with statistics too
    plan = _plan(q)
    assert "SEARCH records USING INDEX records_tried" in plan, plan
    assert "SEARCH records USING INTEGER PRIMARY KEY (rowid>?)" in plan, plan
    assert "SCAN records" not in plan, plan
    assert "TEMP B-TREE" not in plan, plan
    assert [p.seq for p in q.pending(500)] == list(range(251, 301))


def test_the_unsent_mark_follows_sending_and_acknowledging(make_queue, centre):
    """Refused versions (sent, never acknowledged) do not hold the mark back: they come
    from the index, so pending() does not re-walk everything acknowledged after them."""
    _, key = centre
    q = make_queue(key)
    infos = [q.append("case", {"i": i}) for i in range(10)]

    def mark() -> int:
        return q._db.execute("SELECT v FROM meta WHERE k = 'unsent_from'").fetchone()[0]

    assert mark() == 1
    q.mark_sent(infos[:4])
    assert mark() == 5
    q.record_failure(infos[1:2], "rejected by centre")  # waits for a person
    q.acknowledge([infos[0], *infos[2:7]])
    assert mark() == 8
    assert [p.seq for p in q.pending(500)] == [2, 8, 9, 10]
    assert [p.seq for p in q.pending(2, after_seq=2)] == [8, 9]
    assert q.pending_count() == 4
    q.mark_conflict(infos[7:8], "conflict at centre")
    q.acknowledge(infos[8:])
    assert mark() == 11
    assert [p.seq for p in q.pending(500)] == [2]
    assert q.append("case", {"i": 10}).seq == 11
    assert [p.seq for p in q.pending(500)] == [2, 11]
    assert q.pending_count() == 2
    assert q.verify().ok


def test_verify_reports_versions_hidden_below_the_mark(make_queue, centre):
    _, key = centre
    q = make_queue(key)
    for i in range(5):
        q.append("case", {"i": i})
    q._db.execute("UPDATE meta SET v = 4 WHERE k = 'unsent_from'")  # a bug or a tamperer
    assert [p.seq for p in q.pending(500)] == [4, 5]
    report = q.verify()
    assert report.sequence == ["3 versions never sent (from seq 1) lie below the unsent "
                               "mark 4: pending() skips them"]


def _pending_steps(q: Queue) -> int:
    """SQLite VM instructions (in hundreds) one pending() call takes."""
    steps = [0]

    def tick() -> int:
        steps[0] += 1
        return 0

    q._db.set_progress_handler(tick, 100)
    try:
        q.pending(500)
    finally:
        q._db.set_progress_handler(None, 100)
    return steps[0]


def test_pending_work_does_not_grow_with_the_history(make_queue, centre):
    """A version refused long ago (sent, waiting for a person) must not make pending()
    walk everything acknowledged after it: ten times the history, about the same work."""
    _, key = centre

    def queue_with_history(name: str, acknowledged: int) -> Queue:
        q = make_queue(key, name=name)
        refused = q.append("case", {"i": -1})
        q.mark_sent([refused])
        q.record_failure([refused], "rejected by centre")
        infos = q.append_many([("case", {"i": i}, None) for i in range(acknowledged)])
        q.mark_sent(infos)
        q.acknowledge(infos)
        for i in range(5):
            q.append("case", {"new": i})
        assert [p.seq for p in q.pending(500)] == [1, *range(acknowledged + 2,
                                                             acknowledged + 7)]
        return q

    small = _pending_steps(queue_with_history("small.sqlite3", 200))
    large = _pending_steps(queue_with_history("large.sqlite3", 2000))
    assert large <= small + 2, (small, large)
