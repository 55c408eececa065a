"""The status bar's online/pending figures against a real centre process (SQLite backend)."""

from __future__ import annotations

import pytest

from station import config
from station.service import Service
from tests.support.station import full_mz01
from tests.sync.syncrig import Centre, enrol_station, make_centre_home

pytestmark = pytest.mark.daemon  # every test serves a centre


def test_offline_until_enrolled_then_synced(service: Service, tmp_path):
    assert not service.enrolled and service.sync_once() is None
    service.record_case(full_mz01(service))
    before = service.status()
    assert not before.online and before.online_label.startswith("未登记中心")

    centre = Centre(make_centre_home(tmp_path / "centre"), None)
    centre.start()
    try:
        enrol_station(service.session.cases().queue, centre, "测试办事厅")
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


def test_enrolled_while_locked_seals_earlier_cases_at_the_next_unlock(service: Service,
                                                                       tmp_path):
    from station.sync.enrol import enrol

    service.record_case(full_mz01(service))
    service.lock()
    centre = Centre(make_centre_home(tmp_path / "centre"), None)
    centre.start()
    try:
        enrol(centre.url, centre.enrol_code("测试办事厅"))  # `station enroll` without --staff
        assert service.enrolled and service.session.cases().queue.pending() == []  # not sealed
        assert service.sync_once() is None and _held(centre) == 0
        assert service.status().pending == 1
        service.unlock("s01", "correct horse battery")
        assert len(service.session.cases().queue.pending()) == 1  # sealed to the centre's key
        assert service.sync_once() is None and service.status().pending == 0
        assert _held(centre) == 1
        service.lock()
        service.unlock("s01", "correct horse battery")  # bound already: nothing to do
        assert service.status().pending == 0
    finally:
        centre.stop()


def _held(centre: Centre) -> int:
    store = centre.store()
    try:
        return store.counts()["records"]
    finally:
        store.close()
