"""The training / demo reader: clearly fictional residents, events like the real reader's.

Why: staff rehearse the whole flow (insert card → holder filled in) on a laptop
with no reader, and the demo never shows a real person. Every name says 演示 or
培训, and reads are flagged ``simulated`` so the UI can show 培训模式.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from station.hw.errors import NoCardError
from station.hw.ports import (
    CardEvent,
    CardEventKind,
    CardHolder,
    CardInfo,
    CardListener,
    CardRead,
    DeviceStatus,
)
from station.people import parse_id

SIM_ATR = bytes.fromhex("3B00DEADBEEF")  # not a real card's ATR


@dataclass(frozen=True)
class SimulatedResident:
    key: str  # stable id for lists and tests
    name: str
    id_number: str
    ethnicity_code: str = "01"
    expiry: date = date(2035, 12, 31)
    note: str = ""  # why this resident exists (for trainers), not shown to residents


SIMULATED_RESIDENTS: tuple[SimulatedResident, ...] = (
    SimulatedResident("elder", "张演示", "310101193803120013",
                      note="88 岁：敬老卡、上门服务"),
    SimulatedResident("retiree", "李培训", "310105196205200020",
                      note="退休女性：医保、助餐"),
    SimulatedResident("jobseeker", "王样例", "310112197508080036",
                      note="失业登记、灵活就业"),
    SimulatedResident("young", "赵模拟", "310104200001010041",
                      note="青年：社保卡申领、租赁备案"),
    SimulatedResident("child", "陈示范", "310101201506150053",
                      note="儿童医保参保（由家长代办）"),
    SimulatedResident("expired", "孙过期", "11010519491231002X", expiry=date(2020, 6, 30),
                      note="卡已过期：读卡给出提示"),
)


class SimulatedCardReader:
    """A reader with one slot into which a trainer "inserts" a fictional resident."""

    training = True

    def __init__(self, residents: tuple[SimulatedResident, ...] = SIMULATED_RESIDENTS,
                 *, today: Callable[[], date] = date.today) -> None:
        self._residents = {r.key: r for r in residents}
        self._current: SimulatedResident | None = None
        self._listeners: list[CardListener] = []
        self._lock = threading.Lock()
        self._today = today

    @property
    def name(self) -> str:
        from shared.i18n import t

        return t("hw.simulated_reader")

    def residents(self) -> list[SimulatedResident]:
        return list(self._residents.values())

    def insert(self, key: str) -> None:
        """Put the resident's card in (replacing any card there, as a person would)."""
        resident = self._residents[key]
        if self._current is not None:
            self.remove()
        self._current = resident
        self._emit(CardEvent(CardEventKind.INSERTED, self.name, SIM_ATR))

    def remove(self) -> None:
        if self._current is None:
            return
        self._current = None
        self._emit(CardEvent(CardEventKind.REMOVED, self.name, SIM_ATR))

    def _emit(self, event: CardEvent) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            listener(event)

    # -- CardReader port ------------------------------------------------------------
    def readers(self) -> list[str]:
        return [self.name]

    def card_present(self, reader: str | None = None) -> bool:
        return self._current is not None

    def read(self, reader: str | None = None) -> CardRead:
        resident = self._current
        if resident is None:
            raise NoCardError()
        today = self._today()
        rid = parse_id(resident.id_number, on=today)
        card = CardInfo(card_id="00" * 16, card_type="3", spec_version="3.00",
                        issuer="000000000000", issue_date=date(2024, 1, 1),
                        expiry_date=resident.expiry, card_number=f"SIM{resident.key.upper()}")
        holder = CardHolder(resident_id=rid, name=resident.name, sex=rid.sex,
                            ethnicity_code=resident.ethnicity_code,
                            birthplace_code=rid.number[:6], birth_date=rid.birth_date)
        warnings = ("hw.card_expired",) if resident.expiry < today else ()
        return CardRead(reader=self.name, card=card, holder=holder, warnings=warnings,
                        simulated=True)

    def subscribe(self, listener: CardListener) -> Callable[[], None]:
        with self._lock:
            self._listeners.append(listener)
        if self._current is not None:  # like CardMonitor: a card already in is announced
            listener(CardEvent(CardEventKind.INSERTED, self.name, SIM_ATR))

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def close(self) -> None:
        with self._lock:
            self._listeners.clear()

    def describe(self) -> DeviceStatus:
        return DeviceStatus("training", "service.reader_training")
