"""A station of its own for each test: real queue and catalogue, fake reader and printer."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from station.hw.fakes import FakePrinter
from station.hw.simulated import SimulatedCardReader
from station.service import Service

PASS = "correct horse battery"
ELDER_ID = "310101193803120013"  # 张演示 of the simulated reader, 88 years old
ELDER_NAME = "张演示"


class Clock:
    """A wall clock the test moves by hand (idle lock, day boundaries)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime.now().astimezone()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


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
    svc = Service(reader=reader, printer=printer, clock=clock, sleep=lambda _s: None)
    yield svc
    svc.close()


@pytest.fixture
def service(fresh: Service) -> Service:
    """Initialised, unlocked as 王芳 (s01), today's outing at 新成村."""
    member = fresh.initialise(name="测试办事厅", sites=["新成村", "爱里舍"], staff_name="王芳",
                              passphrase=PASS)
    fresh.start_outing("新成村", [member.id])
    return fresh


def full_mz01(service: Service, **changes):
    """A complete 敬老卡申领 draft for the 88-year-old training resident."""
    from station.service import CaseDraft

    resident = service.resident(ELDER_ID, ELDER_NAME)
    guide = service.matter_guide("MZ01", resident)
    draft = CaseDraft(
        resident=resident, matter="MZ01",
        answers={"phone": "13812345678", "payout": "社保卡（敬老卡）"},
        materials=frozenset(m.code for m in guide.materials if m.required),
        delivery="centre")
    return draft if not changes else __import__("dataclasses").replace(draft, **changes)
