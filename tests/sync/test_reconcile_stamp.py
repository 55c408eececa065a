"""`station report --reconcile` against a real centre (issue 18, "Correct figures"): the
check is stamped with its time and the station's head seq; a normal sync afterwards does
not turn the day 不一致 in the centre report; the command exits 1 when a day disagrees."""

from __future__ import annotations

import json

from click.testing import CliRunner

from station.cli import cli as station_cli
from tests.sync.syncrig import add_cases, client_for, make_station

DAY = "2026-11-22"  # the day syncrig.case_meta records


def _reconcile():
    return CliRunner().invoke(station_cli, ["report", "--date", DAY, "--reconcile",
                                            "--format", "json"])


def _sync(queue) -> None:
    client = client_for(queue)
    try:
        assert client.run_once().last_error is None
    finally:
        client.close()


def _centre_day(centre) -> dict:
    out = centre.cli("report", "--date", DAY, "--format", "json")
    assert out.returncode == 0, out.stderr
    return next(r for r in json.loads(out.stdout)["reconciliation"] if r["day"] == DAY)


def test_a_later_sync_does_not_change_the_verdict(centre) -> None:
    queue = make_station("长宁-01", centre)
    add_cases(queue, 3)
    _sync(queue)
    add_cases(queue, 2, start=3)  # recorded, not yet synced: waiting is normal
    result = _reconcile()
    assert result.exit_code == 0, result.output
    before = _centre_day(centre)
    assert before["agrees"] and len(before["waiting"]) == 2
    assert before["head_seq"] == 5 and before["checked_at"] > 0
    _sync(queue)  # the two arrive after the check
    after = _centre_day(centre)
    assert after["agrees"], after
    assert (after["checked_at"], after["head_seq"]) == (before["checked_at"], 5)
    assert after["ack_lost"] == [] and after["unknown_to_station"] == []
    doc = json.loads(result.output[result.output.index("{"):])
    day = next(d for d in doc["reconciliation"] if d["day"] == DAY)
    assert day["head_seq"] == 5 and day["checked_at"] == before["checked_at"]


def test_reconcile_exits_1_when_a_day_disagrees(centre) -> None:
    queue = make_station("长宁-02", centre)
    add_cases(queue, 3)
    _sync(queue)
    store = centre.store()
    try:  # the centre loses an acknowledged version (a restore from an older backup)
        with store.tx() as cur:
            cur.execute(store.q("DELETE FROM records WHERE station_id = ? AND seq = 2"),
                        (queue.station_id,))
    finally:
        store.close()
    result = _reconcile()
    assert result.exit_code == 1, result.output
    doc = json.loads(result.output[result.output.index("{"):])
    day = next(d for d in doc["reconciliation"] if d["day"] == DAY)
    assert not day["agrees"] and [e[2] for e in day["missing_at_centre"]] == [2]
