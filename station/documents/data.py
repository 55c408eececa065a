"""What each document needs, as plain values; the caller (intake, visits) fills them.

Why plain dataclasses: documents depend on nothing but these, so they are rendered
and tested without the catalogue, the queue or the TUI. Dates come computed (the
working-day arithmetic lives in `station.catalogue.calendar`). ID numbers arrive masked; the
renderer masks again anything that still looks whole, so no paper ever carries one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class ReceiptData:
    """受理回执."""

    station_name: str
    site: str
    staff: str
    when: datetime
    case_number: str
    matter_code: str
    matter_name: str
    resident_name: str
    masked_id: str
    materials_received: tuple[str, ...]
    time_limit_days: int  # 0 = 即办
    due_date: date | None
    delivery: str  # how the result reaches the resident, in words
    centre_phone: str
    materials_missing: tuple[str, ...] = ()
    agent_name: str = ""  # 帮办代办: who applied on the resident's behalf
    qr_payload: str = ""  # defaults to the case number
    large_print: bool = False
    due_estimated: bool = False  # due_date counted through a year with no published notice
    reprinted_at: datetime | None = None  # 补打: when this copy was printed again
    post_address: str = ""  # where a posted result (delivery by post) goes


@dataclass(frozen=True)
class MissingItem:
    name: str
    detail: str = ""  # e.g. "原件 1 份，复印件 2 份"
    why: str = ""  # e.g. "户籍不在本街道时需要"


@dataclass(frozen=True)
class NoticeData:
    """一次性告知单: everything missing for one matter, in one go."""

    station_name: str
    site: str
    staff: str
    when: datetime
    matter_code: str
    matter_name: str
    resident_name: str
    masked_id: str
    missing: tuple[MissingItem, ...]
    bring_to: str  # where to bring them
    bring_by: date | None  # by when (None: any time)
    centre_phone: str
    case_number: str = ""
    note: str = ""
    large_print: bool = False
    reprinted_at: datetime | None = None  # 补打: when this copy was printed again


@dataclass(frozen=True)
class SlipData:
    """上门服务预约单: always large print; the resident keeps it by the door."""

    station_name: str
    appointment_number: str
    resident_name: str
    masked_id: str
    address: str
    day: date
    slot: str  # e.g. "上午 9:00–12:00"
    matters: tuple[str, ...]
    team: str
    centre_phone: str
    prepare: tuple[str, ...] = ()  # what to have ready
    note: str = ""


@dataclass(frozen=True)
class RunStop:
    order: int
    slot: str
    community: str
    address: str
    resident_name: str
    masked_id: str
    matters: tuple[str, ...]
    phone: str = ""
    note: str = ""


@dataclass(frozen=True)
class RunSheetData:
    """The home-visit team's run sheet for one day, stops in visiting order."""

    station_name: str
    team: str
    day: date
    staff: tuple[str, ...]
    stops: tuple[RunStop, ...] = field(default_factory=tuple)
    printed_at: datetime | None = None
