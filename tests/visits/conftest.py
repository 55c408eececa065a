"""A real station for visit tests: real queue, crypto and catalogue; fake reader/printer
unless a test brings the real CUPS of tests/hw (see ``cupsd`` below)."""

from __future__ import annotations

import importlib.util
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from station.hw.fakes import FakePrinter
from station.hw.simulated import SimulatedCardReader

HERE = Path(__file__).resolve().parent
TZ = timezone(timedelta(hours=8))
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=TZ)  # a Monday
PASS = "correct horse battery"
ELDER_ID = "310101193803120013"  # 88 on NOW (张演示 of the simulated reader)
ELDER_NAME = "张演示"
YOUNG_ID = "310105197001010019"  # 56 on NOW


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def _hw_conftest():
    """The hardware engineer's fixtures (isolated cupsd), loaded once under its own name."""
    name = "tests_hw_conftest"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, HERE.parent / "hw" / "conftest.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


cupsd = _hw_conftest().cupsd  # the real, isolated cupsd with its copying sink queue

# The sync engineer's rig: a real `center serve` process on loopback (+ PostgreSQL).
sys.path.insert(0, str(HERE.parent / "sync"))
from syncrig import backend, centre, db_url, postgres  # noqa: E402, F401 - pytest fixtures


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def printer() -> FakePrinter:
    return FakePrinter()


def make_service(printer, clock):
    from station.service import Service

    return Service(reader=SimulatedCardReader(), printer=printer, clock=clock,
                   sleep=lambda _s: None)


@pytest.fixture
def service(printer, clock):
    """Initialised, unlocked as 王芳, today's outing at 新成村."""
    svc = make_service(printer, clock)
    member = svc.initialise(name="测试办事厅", sites=["新成村", "爱里舍"], staff_name="王芳",
                            passphrase=PASS)
    svc.start_outing("新成村", [member.id])
    yield svc
    svc.close()


def book_elder(service, **over):
    args = dict(id_number=ELDER_ID, name=ELDER_NAME, address="新成村 12号 3单元 402室",
                phone="13912345678", matters_=["MZ01", "MZ04"])
    args.update(over)
    return service.visits.book(**args)
