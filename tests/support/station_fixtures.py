"""The station fixtures every folder shares, registered once (``pytest_plugins`` in
tests/conftest.py): a fixed clock, the fake printer, the simulated reader, and a real
station — real queue, crypto and catalogue — built on them.

Why the cheap KDF: every passphrase slot costs a real Argon2id derivation (about a
second per façade test); these stations use ``stationq.TEST_KDF`` instead. What is
under test here is the desk, not the key derivation, whose production cost is pinned
by tests/core/test_kdf_defaults.py.
"""

from __future__ import annotations

import pytest

from station.hw.fakes import FakePrinter
from station.hw.simulated import SimulatedCardReader
from station.service import Service
from tests.support.station import NOW, Clock, make_service, open_outing


@pytest.fixture
def clock() -> Clock:
    """Monday 2026-11-23 10:00 in Shanghai; the test moves it by hand."""
    return Clock(NOW)


@pytest.fixture
def printer() -> FakePrinter:
    return FakePrinter()


@pytest.fixture
def reader(clock: Clock) -> SimulatedCardReader:
    return SimulatedCardReader(today=lambda: clock().date())


@pytest.fixture
def fresh(reader, printer, clock) -> Service:
    """A station before first run (the first-run screen's starting point)."""
    svc = make_service(printer, clock, reader)
    yield svc
    svc.close()


@pytest.fixture
def service(fresh: Service) -> Service:
    """Initialised, unlocked as 王芳 (s01), today's outing at 新成村."""
    return open_outing(fresh)


@pytest.fixture(autouse=True)
def cheap_kdf_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stations that in-process commands build (``station init`` through CliRunner, the
    commands' ``open_service()``, the TUI's start-up) get the cheap KDF as well. They
    look ``station.service.Service`` up when they run, so the class is swapped here;
    a test that imported ``Service`` itself — as test_kdf_defaults.py does to pin the
    production cost — still gets the real one, and so does every ``station`` process."""
    from stationq import TEST_KDF

    import station.service as facade

    class CheapKdfService(Service):
        def __init__(self, *args, kdf=TEST_KDF, **kwargs) -> None:
            super().__init__(*args, kdf=kdf, **kwargs)

    monkeypatch.setattr(facade, "Service", CheapKdfService)
