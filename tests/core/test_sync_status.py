"""The status bar's online/pending figures against a real centre process (SQLite backend)."""

from __future__ import annotations

import sys
from pathlib import Path

from conftest import full_mz01

from station import config
from station.service import Service

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sync"))
from syncrig import Centre, enrol_station, make_centre_home


def test_offline_until_enrolled_then_synced(service: Service, tmp_path):
    assert not service.enrolled and service.sync_once() is None
    service.record_case(full_mz01(service))
    before = service.status()
    assert not before.online and before.online_label.startswith("离线")

    centre = Centre(make_centre_home(tmp_path / "centre"), None)
    centre.start()
    try:
        enrol_station(service._cases().queue, centre, "测试办事厅")
        assert service.enrolled
        assert service.status().pending >= 1  # the case sealed at enrolment, waiting
        service.lock()  # sync works locked: sealed copies only
        assert service.sync_once() is None
        status = service.status()
        assert status.online and status.pending == 0 and status.sync_error == ""
        # Staff added after enrolment: the sync tables in the config survive our save.
        service.unlock("s01", "correct horse battery")
        service.add_staff("李明", "another passphrase")
        assert config.load().extra["sync"]["centre_sign_pub"]
        centre.stop()
        service.record_case(full_mz01(service))
        error = service.sync_once()
        assert error and not service.status().online and service.status().pending == 1
    finally:
        centre.stop()
