"""Retention with holds: ``purge(keep=...)`` spares the versions a caller still needs.

Real SQLite files, real AES-GCM local copies and HPKE sealed copies; only the clock is
moved by hand (days pass between appends and purges).
"""

from __future__ import annotations

import pytest
from stationq import PurgeResult, Retention
from stationq.errors import InvalidArgumentError, NotReadableError
from stationq.sealing import open_sealed

from tests.queue.queue_testkit import PASS, SLOT

DAY = 86400
VISIT = {"name": "王桂兰", "id": "310101193803120013", "phone": "13912345678"}


def _state(q, key):
    info = q.info(*key)
    return info.state, info.has_local


def test_held_versions_keep_their_local_copy_until_the_hold_ends(make_queue, centre, clock):
    private, key = centre
    q = make_queue(key)
    open_v1 = q.append("visit", VISIT, {"visit_status": "requested"})
    open_v2 = q.amend(open_v1.record_id, {**VISIT, "slot": "am"}, reason="schedule",
                      meta={"visit_status": "scheduled"})
    closed = q.append("visit", VISIT, {"visit_status": "visited"})
    waiting = q.append("case", VISIT, {"matter": "MZ01"})  # sealed, never acknowledged
    q.acknowledge([open_v1.key, open_v2.key, closed.key])
    clock.advance(3 * DAY)
    today = q.append("case", VISIT, {"matter": "MZ02"})
    q.lock()  # holds come from clear metadata: purging works locked

    held = [i for i in q.list(kind="visit", visit_status="scheduled")]
    assert [i.key for i in held] == [open_v2.key]
    result = q.purge(keep=[*held, waiting.key, today.key, ("no-such-record", 1)])

    # Held and expired: open_v2 and waiting. today is held but not expired, so not counted.
    assert (result.local_removed, result.purged, result.kept) == (2, 2, 2)
    assert _state(q, open_v2.key) == ("acknowledged", True)
    assert _state(q, waiting.key) == ("pending", True)
    assert _state(q, today.key) == ("pending", True)
    assert _state(q, open_v1.key) == ("purged", False)  # older versions are not held
    assert _state(q, closed.key) == ("purged", False)
    tomb = q.info(closed.record_id)
    assert tomb.meta == {"visit_status": "visited"} and not tomb.has_sealed

    q.unlock(SLOT, PASS)
    assert q.get(open_v2.record_id) == {**VISIT, "slot": "am"}  # decrypts: the tag still holds
    with pytest.raises(NotReadableError):
        q.get(open_v1.record_id, 1)
    with pytest.raises(NotReadableError):
        q.get(closed.record_id)
    # The waiting case still leaves by sync, and its sealed copy still opens at the centre.
    sealed = {s.key: s for s in q.pending()}
    assert open_sealed(private, key.suite, q.station_id, waiting.record_id, 1,
                       sealed[waiting.key].enc) == VISIT

    event = [e for e in q.audit_entries() if e.event == "purge"][-1]
    assert event.fields["kept"] == 2
    assert event.fields["kept_seqs"] == f"{open_v2.seq},{waiting.seq}"
    assert event.fields["local_days"] == 0

    # The appointment is closed: the caller stops holding it and the next purge takes it.
    again = q.purge(keep=[today.key])
    assert (again.local_removed, again.purged, again.kept) == (2, 1, 0)
    assert _state(q, open_v2.key) == ("purged", False)
    assert _state(q, waiting.key) == ("pending", False)  # sealed copy only, still to send
    assert q.get(today.record_id) == VISIT
    assert q.verify().ok


def test_window_given_per_call_overrides_the_stored_one(make_queue, centre, clock):
    _, key = centre
    q = make_queue(key)  # created with the default window (end of the day)
    a = q.append("case", VISIT, {"matter": "MZ01"})
    q.acknowledge([a.key])
    clock.advance(2 * DAY)
    assert q.purge(retention=Retention(local_days=2)).local_removed == 0
    assert q.get(a.record_id) == VISIT
    assert [e for e in q.audit_entries() if e.event == "purge"][-1].fields["local_days"] == 2
    clock.advance(DAY)
    result = q.purge(retention=Retention(local_days=2))
    assert (result.local_removed, result.purged, result.kept) == (1, 1, 0)
    assert _state(q, a.key) == ("purged", False)


def test_same_day_versions_stay_readable_without_a_hold(make_queue, centre, clock):
    """The default window covers the outing day: reprint and amend work until midnight."""
    _, key = centre
    q = make_queue(key)
    a = q.append("case", VISIT, {"matter": "MZ01"})
    q.acknowledge([a.key])
    assert q.purge() == PurgeResult(0, 0, 0)
    b = q.amend(a.record_id, {**VISIT, "phone": "13700000000"}, reason="amend")
    assert q.get(a.record_id, 1) == VISIT and q.get(b.record_id)["phone"] == "13700000000"


@pytest.mark.parametrize("bad", [Retention(local_days=-1), 3, Retention(local_days="1")])
def test_a_bad_window_is_refused_and_nothing_changes(make_queue, centre, clock, bad):
    _, key = centre
    q = make_queue(key)
    a = q.append("case", VISIT)
    q.acknowledge([a.key])
    clock.advance(5 * DAY)
    with pytest.raises(InvalidArgumentError):
        q.purge(retention=bad)
    assert _state(q, a.key) == ("acknowledged", True)
