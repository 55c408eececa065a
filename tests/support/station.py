"""A real station for core and visit tests: real queue, crypto and catalogue with the
simulated card reader and the fake printer, on a clock the test moves by hand."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

from stationq import TEST_KDF

from station.hw.fakes import FakePrinter
from station.hw.simulated import SimulatedCardReader
from station.service import CaseDraft, Service

TZ = timezone(timedelta(hours=8))
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=TZ)  # a Monday
PASS = "correct horse battery"
ELDER_ID = "310101193803120013"  # 张演示 of the simulated reader, 88 years old on NOW
ELDER_NAME = "张演示"
YOUNG_ID = "310105197001010019"  # 56 on NOW
STAFF = "王芳"
SITES = ("新成村", "爱里舍")


class Clock:
    """A wall clock the test moves by hand (idle lock, day boundaries)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime.now().astimezone()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def make_service(printer: FakePrinter, clock: Clock,
                 reader: SimulatedCardReader | None = None) -> Service:
    """A station on the fakes, with the cheap test KDF (see station_fixtures.py)."""
    return Service(reader=reader or SimulatedCardReader(), printer=printer, clock=clock,
                   sleep=lambda _s: None, kdf=TEST_KDF)


def open_outing(service: Service) -> Service:
    """First run done, unlocked as 王芳 (s01), today's outing at 新成村."""
    member = service.initialise(name="测试办事厅", sites=list(SITES), staff_name=STAFF,
                                passphrase=PASS)
    service.start_outing(SITES[0], [member.id])
    return service


def full_mz01(service: Service, **changes) -> CaseDraft:
    """A complete 敬老卡申领 draft for the 88-year-old training resident."""
    resident = service.resident(ELDER_ID, ELDER_NAME)
    guide = service.matter_guide("MZ01", resident)
    draft = CaseDraft(
        resident=resident, matter="MZ01",
        answers={"phone": "13812345678", "payout": "社保卡（敬老卡）"},
        materials=frozenset(m.code for m in guide.materials if m.required),
        delivery="centre")
    return dataclasses.replace(draft, **changes) if changes else draft


def book_elder(service: Service, **over):
    args = dict(id_number=ELDER_ID, name=ELDER_NAME, address="新成村 12号 3单元 402室",
                phone="13912345678", matters_=["MZ01", "MZ04"])
    args.update(over)
    return service.visits.book(**args)
