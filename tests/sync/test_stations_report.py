"""`center report stations`: a real centre and three real stations (issue 18).

One station stopped four days ago with cases still on its laptop. To have it really
talk to the centre four days ago (the centre refuses requests more than 300 s off its
clock), the centre runs under libfaketime (https://github.com/wolfcw/libfaketime,
README: FAKETIME="-4d" shifts the process clock relative to now) while the station's
queue and sync client take the same shifted clock by injection.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from shared.protocol import now_ms
from tests.sync.syncrig import (
    Centre,
    add_cases,
    client_for,
    enrol_station,
    make_centre_home,
    make_station,
)

DAY_S = 86_400
LIBFAKETIME = Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1")
pytestmark = [pytest.mark.daemon,
              pytest.mark.skipif(not LIBFAKETIME.exists() or not shutil.which("faketime"),
                                 reason="libfaketime not installed (./install.sh --dev)")]


def _home(tmp_path: Path, name: str) -> Path:
    home = tmp_path / name
    home.mkdir()
    return home


def test_stations_report_lists_silent_never_synced_and_pending(tmp_path, db_url,
                                                               monkeypatch) -> None:
    centre = Centre(make_centre_home(tmp_path / "centre"), db_url, extra_env={
        "LD_PRELOAD": str(LIBFAKETIME), "FAKETIME": "-4d",
        "FAKETIME_DONT_FAKE_MONOTONIC": "1"})
    # The stopped station, four days ago: it synced, then recorded three more cases and
    # said so in a heartbeat, and was never heard from again.
    monkeypatch.setenv("STATION_HOME", str(_home(tmp_path, "stopped")))
    past = 4 * DAY_S
    centre.start()
    try:
        stopped = make_station("浦东-08", clock=lambda: time.time() - past)
        enrol_station(stopped, centre, "浦东-08")
        add_cases(stopped, 5)
        client = client_for(stopped, clock=lambda: now_ms() - past * 1000)
        state = client.run_once()
        assert state.last_error is None, state.last_error
        add_cases(stopped, 3, start=5)
        client.heartbeat()
        client.close()
    finally:
        centre.stop()
    centre.extra_env = {}  # today
    centre.start()
    try:
        monkeypatch.setenv("STATION_HOME", str(_home(tmp_path, "syncing")))
        syncing = make_station("浦东-01", centre)
        add_cases(syncing, 4)
        client = client_for(syncing)
        assert client.run_once().last_error is None
        client.close()
        monkeypatch.setenv("STATION_HOME", str(_home(tmp_path, "never")))
        never = make_station("浦东-04", centre)

        out = centre.cli("report", "stations", "--json")
        assert out.returncode == 1, out.stderr
        rows = {r["station_id"]: r for r in json.loads(out.stdout)}
        assert set(rows) == {stopped.station_id, syncing.station_id, never.station_id}
        for row in rows.values():
            assert {"station_id", "name", "last_contact", "head_seq", "received_max_seq",
                    "missing", "pending_at_station", "silent_days", "gaps"} <= set(row)
        s = rows[stopped.station_id]
        assert s["pending_at_station"] == 3 and s["head_seq"] == 8
        assert s["received_max_seq"] == 5 and s["missing"] == 3
        assert s["silent_days"] >= 1 and s["silent"] and s["gaps"] == []
        a = rows[syncing.station_id]
        assert a["silent_days"] == 0 and not a["silent"]
        assert a["head_seq"] == a["received_max_seq"] == 4 and a["missing"] == 0
        assert a["pending_at_station"] == 0
        n = rows[never.station_id]
        assert n["never_synced"] and n["last_contact"] is None and n["head_seq"] is None
        assert n["silent_days"] == 0 and not n["silent"]
        # Silent stations come first.
        assert json.loads(out.stdout)[0]["station_id"] == stopped.station_id

        # Five days' patience: nobody is silent and nothing is missing, so no alert.
        calm = centre.cli("report", "stations", "--json", "--silent-days", "5")
        assert calm.returncode == 0, calm.stderr
        words = centre.cli("report", "stations")
        assert words.returncode == 1
        assert "从未同步" in words.stdout and "【静默】" in words.stdout
    finally:
        centre.stop()
