"""pending() walks an index in seq order: no table scan, no temporary B-tree for sorting."""

from __future__ import annotations

from stationq import Queue


def test_pending_uses_the_unacked_index(make_queue, centre):
    _, key = centre
    q = make_queue(key)
    for i in range(300):
        q.append("case", {"i": i}, {"matter": "A01"})
    q.acknowledge(q.pending(250))
    q._db.execute("ANALYZE")  # the plan must hold with statistics too
    plan = " | ".join(r[3] for r in q._db.execute("EXPLAIN QUERY PLAN " + Queue.PENDING_SQL,
                                                  (0, 500)))
    assert "SEARCH records USING INDEX records_unacked" in plan, plan
    assert "TEMP B-TREE" not in plan, plan
    assert [p.seq for p in q.pending(500)] == list(range(251, 301))
