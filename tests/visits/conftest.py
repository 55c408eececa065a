"""A real station for visit tests: real queue, crypto and catalogue; fake reader/printer
unless a test brings the real CUPS (``cupsd``, tests/support/cups.py)."""

from __future__ import annotations

import pytest

from station.hw.fakes import FakePrinter
from tests.support.station import NOW, Clock, make_service, open_outing


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def printer() -> FakePrinter:
    return FakePrinter()


@pytest.fixture
def service(printer, clock):
    """Initialised, unlocked as 王芳, today's outing at 新成村."""
    svc = open_outing(make_service(printer, clock))
    yield svc
    svc.close()
