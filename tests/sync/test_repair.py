"""Repair (issue 18, part 4; docs/sync-protocol.md, "Repair"): a real centre (SQLite and
PostgreSQL) loses records — deleted by SQL — and the next sync of a real station sends
them again; a station whose local copies are purged says so, and reports name them."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from shared.protocol import (
    MAX_REPAIR_RANGES,
    MAX_REPAIR_SEQS,
    VERSION,
    check_ranges,
    new_nonce,
)
from station.sync.client import SyncFailed
from tests.sync.syncrig import (
    STAFF_PASS,
    Centre,
    add_cases,
    assert_exactly_once,
    client_for,
    make_station,
)


def _delete(centre: Centre, station_id: str, seqs: list[int]) -> None:
    """What an operator's mistaken DELETE (or a restore from an older backup) leaves."""
    store = centre.store()
    try:
        with store.tx() as cur:
            for seq in seqs:
                cur.execute(store.q("DELETE FROM records WHERE station_id = ? AND seq = ?"),
                            (station_id, seq))
    finally:
        store.close()


def _coverage(centre: Centre, station_id: str) -> dict:
    store = centre.store()
    try:
        return next(c for c in store.coverage() if c["station_id"] == station_id)
    finally:
        store.close()


def _pull(client) -> dict:
    """One raw signed pull, as the client sends it: the centre's answer."""
    doc = {"v": VERSION, "station_id": client.pinned.station_id, "ts": client.clock(),
           "nonce": new_nonce(), "cursor": client.inbox.cursor(), "limit": 500,
           "pulse": client.pulse()}
    return client.post("/v1/pull", doc)


def test_deleted_at_centre_is_repaired_by_the_next_sync(centre: Centre) -> None:
    queue = make_station(centre=centre)
    add_cases(queue, 8)
    client = client_for(queue)
    assert client.run_once().last_error is None
    _delete(centre, queue.station_id, [2, 3, 6])
    assert _coverage(centre, queue.station_id)["gaps"] == [(2, 3), (6, 6)]

    state = client.run_once()
    assert state.last_error is None, state.last_error
    assert state.repaired == 3 and state.past_retention == 0
    assert_exactly_once(centre, queue, 8)
    report = queue.verify()
    assert report.ok, report
    assert any(e.event == "resend" and e.fields["seqs"] == "2-3,6"
               for e in queue.audit_entries())
    # Nothing lacking any more: the next answer asks for nothing.
    assert "repair" not in _pull(client)
    client.close()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_tail_deleted_is_asked_for_by_center_station_repair(centre: Centre) -> None:
    queue = make_station(centre=centre)
    add_cases(queue, 5)
    client = client_for(queue)
    assert client.run_once().last_error is None
    _delete(centre, queue.station_id, [4, 5])
    # The top went: no gap shows, and a plain sync does not ask for it ...
    assert _coverage(centre, queue.station_id)["gaps"] == []
    assert client.run_once().repaired == 0
    # ... until someone asks explicitly.
    out = centre.cli("station", "repair", queue.station_id)
    assert out.returncode == 0, out.stderr
    assert "4–5" in out.stdout or "4-5" in out.stdout
    state = client.run_once()
    assert state.repaired == 2, state
    assert_exactly_once(centre, queue, 5)
    out = centre.cli("station", "repair", queue.station_id)
    assert out.returncode == 0 and "无需补要" in out.stdout
    client.close()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_asked_while_locked_is_resent_after_unlock(centre: Centre) -> None:
    queue = make_station(centre=centre)
    add_cases(queue, 4)
    client = client_for(queue)
    assert client.run_once().last_error is None
    _delete(centre, queue.station_id, [3])
    queue.lock()
    state = client.run_once()
    assert state.last_error is None and state.repaired == 0
    assert _coverage(centre, queue.station_id)["gaps"] == [(3, 3)]
    assert queue.verify().ok  # nothing changed state while locked
    queue.unlock("s01", STAFF_PASS)
    assert queue.resend_waiting().resent == [3]
    assert client.run_once().last_error is None
    assert_exactly_once(centre, queue, 4)
    assert queue.resend_waiting().resent == []  # the waiting list is settled
    assert queue.verify().ok
    client.close()


def test_purged_copy_is_reported_past_retention(centre: Centre) -> None:
    from stationq import Retention

    queue = make_station(centre=centre)
    add_cases(queue, 5)
    client = client_for(queue)
    assert client.run_once().last_error is None
    queue.purge(datetime.now() + timedelta(days=2), retention=Retention(local_days=0))
    _delete(centre, queue.station_id, [2, 4])

    state = client.run_once()
    assert state.last_error is None, state.last_error
    assert state.repaired == 0 and state.past_retention == 2
    cov = _coverage(centre, queue.station_id)
    assert cov["gaps"] == [] and cov["past_retention"] == [(2, 2), (4, 4)]
    assert "repair" not in _pull(client)  # known lost: not asked for again
    assert queue.verify().ok

    out = centre.cli("report", "coverage")
    assert out.returncode == 0, out.stderr
    assert "超过保存期限" in out.stdout and "2, 4" in out.stdout
    out = centre.cli("report", "stations", "--json")
    row = next(r for r in json.loads(out.stdout) if r["station_id"] == queue.station_id)
    assert row["gaps"] == [] and row["past_retention"] == [[2, 2], [4, 4]]
    out = centre.cli("report", "stations")
    assert "超过保存期限" in out.stdout
    client.close()


# --- hostile requests, both ways ----------------------------------------------------------
@pytest.mark.parametrize("ranges", [
    [[1, 10**9]], [[-1, 2]], [[0, 1]], [[3, 2]], [[1, 2], [2, 3]], [[2, 3], [1, 1]],
    [[1, True]], [[1.0, 2]], [[1, 2, 3]], "1-3", [[s, s] for s in range(1, 200, 2)],
    [[1, MAX_REPAIR_SEQS + 1]],
])
def test_check_ranges_refuses(ranges) -> None:
    with pytest.raises(ValueError):
        check_ranges(ranges, 10**6 if ranges != [[1, 10**9]] else 100)


def test_check_ranges_takes_bounded_ones() -> None:
    ranges = [[s, s] for s in range(1, 2 * MAX_REPAIR_RANGES, 2)]
    assert len(check_ranges(ranges, 10**6)) == MAX_REPAIR_RANGES


@pytest.mark.parametrize("backend", ["sqlite"])
def test_hostile_repair_requests_are_refused_by_the_station(centre: Centre) -> None:
    queue = make_station(centre=centre)
    add_cases(queue, 3)
    client = client_for(queue)
    assert client.run_once().last_error is None
    for ask in ({"station_id": "other-station", "ranges": [[1, 3]]},
                {"station_id": queue.station_id, "ranges": [[1, 10**9]]},
                {"station_id": queue.station_id, "ranges": [[-5, 2]]},
                {"station_id": queue.station_id, "ranges": [[1, 3]], "extra": 1},
                {"station_id": queue.station_id, "ranges": [[4, 4]]},  # past the head
                ["not", "a", "dict"]):
        client.repair(ask)
        assert client._resent == [] and client._lost == set()
    assert queue.stats().counts["acknowledged"] == 3
    assert queue.verify().ok
    client.close()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_hostile_past_retention_is_refused_by_the_centre(centre: Centre) -> None:
    queue = make_station(centre=centre)
    add_cases(queue, 3)
    client = client_for(queue)
    assert client.run_once().last_error is None
    for bad in ([[1, 10**9]], [[0, 1]], [[2, 1]], "2", [[1, 2], [2, 3]]):
        doc = {"v": VERSION, "station_id": queue.station_id, "ts": client.clock(),
               "nonce": new_nonce(), "pulse": client.pulse(), "past_retention": bad}
        with pytest.raises(SyncFailed) as err:
            client.post("/v1/pulse", doc)
        assert err.value.params.get("code") == "bad_field"
    # A seq the centre holds cannot be turned into a lost one.
    client.report_past_retention([1, 2])
    cov = _coverage(centre, queue.station_id)
    assert cov["past_retention"] == [] and cov["ranges"] == [(1, 3)]
    client.close()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_centre_request_is_bounded(centre: Centre) -> None:
    """A hostile row far out (seq 10^12) at the centre must not make it ask for a
    billion seqs: the request stays within the station's head and the bounds."""
    queue = make_station(centre=centre)
    add_cases(queue, 4)
    client = client_for(queue)
    assert client.run_once().last_error is None
    store = centre.store()
    try:
        with store.tx() as cur:
            cur.execute("UPDATE records SET seq = 1000000000000 WHERE station_id = ? "
                        "AND seq = 4", (queue.station_id,))
            for seq in range(2, 4):
                cur.execute("DELETE FROM records WHERE station_id = ? AND seq = ?",
                            (queue.station_id, seq))
    finally:
        store.close()
    ask = _pull(client)["repair"]
    assert ask["station_id"] == queue.station_id
    assert check_ranges(ask["ranges"], 4) == [(2, 4)]
    client.close()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_station_is_asked_only_about_its_own_records(centre: Centre, tmp_path,
                                                       monkeypatch) -> None:
    monkeypatch.setenv("STATION_HOME", str(tmp_path / "a"))
    a = make_station("徐汇-01", centre)
    add_cases(a, 3)
    client_a = client_for(a)
    assert client_a.run_once().last_error is None
    monkeypatch.setenv("STATION_HOME", str(tmp_path / "b"))
    b = make_station("徐汇-02", centre)
    add_cases(b, 3)
    client_b = client_for(b)
    assert client_b.run_once().last_error is None
    _delete(centre, b.station_id, [2])
    assert "repair" not in _pull(client_a)
    assert _pull(client_b)["repair"] == {"station_id": b.station_id, "ranges": [[2, 2]]}
    assert client_a.run_once().repaired == 0
    assert client_b.run_once().repaired == 1
    client_a.close()
    client_b.close()
