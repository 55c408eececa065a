"""Issue 18 (repair) at the queue: versions the centre asks for again go back to pending,
sealed afresh from the local copy, audited so verify() stays clean; locked, they wait for
the next unlock; without a copy they are past retention."""

from __future__ import annotations

from stationq import Queue
from stationq.sealing import open_envelope

from tests.queue.queue_testkit import PASS, SLOT, STATION


def _acked(q: Queue, n: int) -> list:
    infos = [q.append("case", {"name": f"居民{i}"}, {"matter": "A01", "status": "accepted"})
             for i in range(n)]
    q.mark_sent(infos)
    q.acknowledge(infos)
    return infos


def test_acknowledged_version_is_sealed_again_and_pending(make_queue, centre):
    private, key = centre
    q = make_queue(key)
    infos = _acked(q, 3)
    assert q.pending() == []
    result = q.resend([2, 3])
    assert result.resent == [2, 3] and result.past_retention == [] and result.waiting == []
    sent = q.pending()
    assert [r.seq for r in sent] == [2, 3]
    env = open_envelope(private, sent[0].suite, STATION, infos[1].record_id, 1, sent[0].enc)
    assert env["payload"] == {"name": "居民1"} and env["seq"] == 2
    report = q.verify()
    assert report.ok, report
    q.acknowledge(sent)
    assert q.pending() == [] and q.verify().ok
    assert [e.fields["seqs"] for e in q.audit_entries() if e.event == "resend"] == ["2-3"]


def test_not_acknowledged_and_unknown_seqs_are_left_alone(make_queue, centre):
    _, key = centre
    q = make_queue(key)
    _acked(q, 1)
    q.append("case", {"name": "x"}, {"matter": "A01", "status": "accepted"})
    result = q.resend([2, 99, -1, 0])
    assert result.unsent == [2] and result.resent == []
    assert not [e for e in q.audit_entries() if e.event == "resend"]


def test_locked_waits_for_unlock(make_queue, centre):
    _, key = centre
    q = make_queue(key)
    _acked(q, 2)
    q.lock()
    result = q.resend([1])
    assert result.waiting == [1] and result.resent == []
    assert q.pending() == [] and q.verify().ok
    assert q.resend_waiting().waiting == [1]  # still locked
    q.unlock(SLOT, PASS)
    assert q.resend_waiting().resent == [1]
    assert [r.seq for r in q.pending()] == [1]
    assert q.resend_waiting().resent == []  # settled: the list is empty
    assert q.verify().ok


def test_purged_copy_is_past_retention(make_queue, centre):
    _, key = centre
    q = make_queue(key)
    _acked(q, 2)
    q.purge(q._clock() + 10 * 86400)
    result = q.resend([1, 2])
    assert result.past_retention == [1, 2] and result.resent == []
    assert q.verify().ok


def test_a_row_with_altered_metadata_is_not_resent(make_queue, centre):
    _, key = centre
    q = make_queue(key)
    info = _acked(q, 1)[0]
    q._db.execute("UPDATE records SET meta = ? WHERE seq = ?",
                  ('{"matter":"A01","status":"accepued"}', info.seq))
    assert q.resend([info.seq]).resent == []
    assert q.pending() == []
