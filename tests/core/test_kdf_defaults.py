"""The cheap KDF is for tests only: a station built the way the product builds it derives
its passphrase keys at the queue's full Argon2id cost.

Why a test: the façade and the queue take KDF parameters so the test fixtures can pass
``stationq.TEST_KDF``; nothing may make that the default. The figures are the queue's
documented defaults (queue/stationq/keys.py: 64 MiB, 3 passes, 1 lane — RFC 9106 §4's
second recommended option, t=3 and 64 MiB, with one lane instead of four); both the
façade's default and the slots it writes are checked.
"""

from __future__ import annotations

from stationq.keys import DEFAULT_KDF, TEST_KDF, KdfParams

from station.hw.fakes import FakePrinter
from station.hw.simulated import SimulatedCardReader
from station.service import Service
from station.session import Session
from tests.support.station import PASS, Clock


def test_production_kdf_is_unchanged():
    assert KdfParams(memory_cost=64 * 1024, iterations=3, lanes=1) == DEFAULT_KDF
    assert TEST_KDF != DEFAULT_KDF
    assert Session().kdf == DEFAULT_KDF
    assert Service().session.kdf == DEFAULT_KDF


def test_a_station_built_without_a_kdf_writes_full_cost_slots():
    service = Service(reader=SimulatedCardReader(), printer=FakePrinter(), clock=Clock(),
                      sleep=lambda _s: None)
    try:
        member = service.initialise(name="测试办事厅", sites=["新成村"], staff_name="王芳",
                                    passphrase=PASS)
        service.add_staff("李明", "another passphrase")
        slots = {s.name: s for s in service.session.cases().queue.slots()}
        expected = {"memory_cost": 64 * 1024, "iterations": 3, "lanes": 1}
        assert slots[member.id].kdf == expected
        assert [s.kdf for s in slots.values() if s.kind == "passphrase"] == [expected] * 2
    finally:
        service.close()


def test_the_fixture_station_uses_the_cheap_kdf(service):
    cheap = {"memory_cost": TEST_KDF.memory_cost, "iterations": TEST_KDF.iterations,
             "lanes": TEST_KDF.lanes}
    slots = service.session.cases().queue.slots()
    assert [s.kdf for s in slots if s.kind == "passphrase"] == [cheap]
