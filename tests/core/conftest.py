"""A station of its own for each test: real queue and catalogue, fake reader and printer,
a clock that starts at the real time (tests/support/station.py has the helpers)."""

from __future__ import annotations

import pytest

from station.hw.fakes import FakePrinter
from station.hw.simulated import SimulatedCardReader
from station.service import Service
from tests.support.station import Clock, make_service, open_outing


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def printer() -> FakePrinter:
    return FakePrinter()


@pytest.fixture
def reader() -> SimulatedCardReader:
    return SimulatedCardReader()


@pytest.fixture
def fresh(reader, printer, clock) -> Service:
    svc = make_service(printer, clock, reader)
    yield svc
    svc.close()


@pytest.fixture
def service(fresh: Service) -> Service:
    """Initialised, unlocked as 王芳 (s01), today's outing at 新成村."""
    return open_outing(fresh)
