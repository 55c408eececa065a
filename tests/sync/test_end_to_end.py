"""End to end: cases recorded offline reach the centre; its answers come back down."""

from __future__ import annotations

from shared.protocol import open_for_station
from tests.sync.syncrig import Centre, add_cases, assert_exactly_once, client_for, make_station


def test_offline_cases_sync_then_statuses_come_back(centre: Centre, tmp_path) -> None:
    queue = make_station(centre=centre)
    centre.stop()  # the outing: no network
    ids = add_cases(queue, 25)
    client = client_for(queue)
    state = client.run_once()
    assert state.online is False and state.pending == 25
    assert "中心" in state.last_error
    assert queue.stats().counts["pending"] == 25

    centre.start()  # back in range
    state = client.run_once()
    assert state.last_error is None, state.last_error
    assert state.online is True and state.pushed == 25 and state.pending == 0
    assert_exactly_once(centre, queue, 25)

    # The centre's back office moves two cases and sends a home visit and a catalogue.
    assert centre.cli("case", "set-status", ids[0], "审批中").returncode == 0
    out = centre.cli("case", "set-status", f"{queue.station_id}-261122-001", "退回",
                     "--note", "缺户口簿")
    assert out.returncode == 0, out.stderr
    bad = centre.cli("case", "set-status", ids[0], "受理")
    assert bad.returncode == 1 and "不能从" in bad.stderr
    assert centre.cli("case", "set-status", ids[0], "办结").returncode == 0
    assert centre.cli("visit", "request", "--station", "徐汇-01", "--date", "2026-12-01",
                      "--slot", "pm", "--resident-name", "李奶奶", "--phone", "13800000000",
                      "--address", "康健路1号").returncode == 0
    cat = tmp_path / "catalogue.toml"
    cat.write_text('version = "2026.12"\n[matters]\n', encoding="utf-8")
    assert centre.cli("catalogue", "publish", str(cat)).returncode == 0

    state = client.run_once()
    assert state.last_error is None and state.pulled == 5
    inbox = client.inbox
    assert inbox.statuses() == {ids[0]: "done", ids[1]: "returned"}
    returned = inbox.case_status(f"{queue.station_id}-261122-001")  # by the number on the receipt
    assert returned.case_id == ids[1] and returned.status == "returned"
    note = open_for_station(client.keys.inbox, queue.station_id, returned.uid, returned.sealed)
    assert note == {"note": "缺户口簿"}
    [visit] = inbox.visit_requests()
    assert (visit.date, visit.slot) == ("2026-12-01", "pm")
    details = open_for_station(client.keys.inbox, queue.station_id, visit.uid, visit.sealed)
    assert details["name"] == "李奶奶"
    assert inbox.latest_catalogue()[0] == "2026.12"

    # Applying twice is harmless: a second run pulls nothing new and changes nothing.
    before = inbox.counts()
    inbox.apply([{"kind": "case_status", "id": 1, "uid": "x", "case_id": ids[0],
                  "status": "reviewing", "at": "2026-01-01"}], 0)
    assert inbox.statuses()[ids[0]] == "done"  # an older update never wins
    state = client.run_once()
    assert state.pulled == 0 and inbox.counts() == before
    client.close()
