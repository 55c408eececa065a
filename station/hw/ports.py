"""The two hardware ports the core talks to, and the values that cross them.

Why Protocols: the TUI and the core are written against these shapes only, so the
PC/SC reader, the simulated training reader and the unit-test fakes are
interchangeable, and so are CUPS, the PDF folder and the fake printer.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Protocol, runtime_checkable

from shared.errors import StationError
from station.people import ResidentId

# -- what a device says about itself ----------------------------------------------


@dataclass(frozen=True)
class DeviceStatus:
    """One device in the status bar: ``code`` picks the colour, ``key`` + ``params`` the words.

    Why the adapter builds it: only the adapter knows what its state means (a PDF folder
    is never "offline", the training reader never "unplugged"), so the core asks instead
    of testing which class it holds. Reader codes: training | none | card | ok | error;
    printer codes: ok | busy | stopped | offline | pdf_folder | error.
    """

    code: str
    key: str  # a message-catalogue key
    params: tuple[tuple[str, str], ...] = ()
    folder: Path | None = None  # where papers land, for a printer that writes files

    @property
    def label(self) -> str:
        from shared.i18n import t

        return t(self.key, **dict(self.params))


# -- card -------------------------------------------------------------------------


@dataclass(frozen=True)
class CardInfo:
    """EF05: about the card itself (nothing personal)."""

    card_id: str  # 01 卡的识别码, hex
    card_type: str  # 02 卡的类别
    spec_version: str  # 03 规范版本
    issuer: str  # 04 初始化机构编号
    issue_date: date | None  # 05 发卡日期
    expiry_date: date | None  # 06 卡有效期
    card_number: str = field(repr=False)  # 07 卡号


@dataclass(frozen=True)
class CardHolder:
    """EF06: the holder. Personal fields stay out of repr so a log line cannot leak them."""

    resident_id: ResidentId = field(repr=False)  # 08 社会保障号码, check digit verified
    name: str = field(repr=False)  # 09 姓名
    sex: str | None  # 0A 性别: "M" | "F" | None (not stated)
    ethnicity_code: str | None  # 0B 民族 (GB 3304 two-digit code)
    birthplace_code: str | None = field(repr=False)  # 0C 出生地 (region code)
    birth_date: date | None = field(repr=False)  # 0D 出生日期

    @property
    def masked_id(self) -> str:
        return self.resident_id.masked


@dataclass(frozen=True)
class CardRead:
    """One successful read. ``warnings`` are message keys (e.g. the card has expired)."""

    reader: str
    card: CardInfo
    holder: CardHolder
    warnings: tuple[str, ...] = ()
    simulated: bool = False  # True for the training reader: the UI says so
    kind: str = "sscard"  # "sscard" (社保卡, PC/SC) | "idcard" (二代证, serial reader)
    address: str = field(default="", repr=False)  # 二代证 only: the household (户籍) address

    @property
    def expired(self) -> bool:
        return "hw.card_expired" in self.warnings or "idcard.expired" in self.warnings


class CardEventKind(enum.Enum):
    INSERTED = "inserted"
    REMOVED = "removed"


@dataclass(frozen=True)
class CardEvent:
    kind: CardEventKind
    reader: str
    atr: bytes = b""


CardListener = Callable[[CardEvent], None]


@runtime_checkable
class CardReader(Protocol):
    """A source of social-security card reads (PC/SC, simulated or fake)."""

    def readers(self) -> list[str]:
        """Reader names; empty when none is plugged in."""
        ...

    def card_present(self, reader: str | None = None) -> bool: ...

    def read(self, reader: str | None = None) -> CardRead:
        """Read card and holder; raises a `station.hw.errors.CardError` subclass."""
        ...

    def subscribe(self, listener: CardListener) -> Callable[[], None]:
        """Call ``listener`` (from another thread) on insert/remove; returns unsubscribe."""
        ...

    def close(self) -> None: ...

    @property
    def training(self) -> bool:
        """True for the training reader only: its cards are fictional residents."""
        ...

    def describe(self) -> DeviceStatus:
        """The reader's state in words for the status bar; never raises a StationError."""
        ...


def plugged_reader_status(reader: CardReader) -> DeviceStatus:
    """What a real reader says: none plugged in, a card in, ready, or a fault."""
    try:
        if not reader.readers():
            return DeviceStatus("none", "service.reader_none")
        if reader.card_present():
            return DeviceStatus("card", "service.reader_card")
    except StationError:
        return DeviceStatus("error", "service.reader_error")
    return DeviceStatus("ok", "service.reader_ok")


# -- printer ----------------------------------------------------------------------


class Media(enum.Enum):
    A4 = "a4"
    ROLL80 = "roll80"


class PrinterStatus(enum.Enum):
    IDLE = "idle"
    PRINTING = "printing"
    STOPPED = "stopped"
    OUT_OF_PAPER = "out_of_paper"
    OFFLINE = "offline"
    MISSING = "missing"


@dataclass(frozen=True)
class PrinterState:
    name: str
    status: PrinterStatus
    accepting: bool = True
    reasons: tuple[str, ...] = ()  # raw CUPS printer-state-reasons, for support
    message: str = ""  # the printer's own state message, if any

    @property
    def ready(self) -> bool:
        return self.accepting and self.status in (PrinterStatus.IDLE, PrinterStatus.PRINTING)

    def describe(self) -> str:
        """The state in words for staff."""
        from shared.i18n import t

        return t(f"hw.printer_status_{self.status.value}", printer=self.name)


class JobStatus(enum.Enum):
    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"  # aborted or stopped by the printer
    CANCELED = "canceled"
    HELD = "held"

    @property
    def final(self) -> bool:
        return self in (JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELED)


@dataclass(frozen=True)
class PrintJob:
    printer: str
    job_id: int
    document: Path  # the kept copy: reprint from here whatever happens to the job


@dataclass(frozen=True)
class JobState:
    job: PrintJob
    status: JobStatus
    reasons: tuple[str, ...] = ()


@runtime_checkable
class Printer(Protocol):
    """Where documents go: a CUPS queue, a folder of PDFs, or a fake."""

    def printers(self) -> list[str]: ...

    def default_printer(self) -> str | None: ...

    def state(self, printer: str | None = None) -> PrinterState: ...

    def submit(self, pdf: Path, *, title: str, media: Media = Media.A4, copies: int = 1,
               printer: str | None = None) -> PrintJob:
        """Queue ``pdf``; ``title`` must hold no personal data (CUPS logs it)."""
        ...

    def job_state(self, job: PrintJob) -> JobState: ...

    def wait(self, job: PrintJob, timeout: float = 30.0) -> JobState:
        """Follow ``job`` until it is final or ``timeout`` passes (then its last state)."""
        ...

    @property
    def folder(self) -> Path | None:
        """The folder this printer's output lands in as files; None when it prints on paper."""
        ...

    def describe(self) -> DeviceStatus:
        """The printer's state in words for the status bar; never raises a StationError."""
        ...


_STATUS_CODES = {
    PrinterStatus.IDLE: "ok", PrinterStatus.PRINTING: "busy",
    PrinterStatus.STOPPED: "stopped", PrinterStatus.OUT_OF_PAPER: "stopped",
    PrinterStatus.OFFLINE: "offline", PrinterStatus.MISSING: "offline",
}


def queue_status(printer: Printer) -> DeviceStatus:
    """What a printer with queues says: its default queue's state, or a fault."""
    try:
        state = printer.state()
    except StationError:
        return DeviceStatus("error", "service.printer_error")
    code = _STATUS_CODES[state.status]
    if not state.accepting and code == "ok":
        code = "stopped"
    return DeviceStatus(code, f"service.printer_{code}", (("name", state.name),))
