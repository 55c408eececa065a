"""Fakes of both ports for unit tests of the core and the TUI (in addition to, never
instead of, the tests on the real daemons).

Each fake is scripted: tests decide what the next read returns or raises, and what
state the printer is in and how its next job ends.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from station.hw.errors import NoCardError, NoPrinterError, PrinterNotReady
from station.hw.ports import (
    CardEvent,
    CardEventKind,
    CardListener,
    CardRead,
    DeviceStatus,
    JobState,
    JobStatus,
    Media,
    PrinterState,
    PrinterStatus,
    PrintJob,
    plugged_reader_status,
    queue_status,
)


class FakeCardReader:
    """One reader; ``insert(read_or_error)`` decides what the next ``read()`` gives."""

    training = False

    def __init__(self, name: str = "Fake Reader 00 00", *, plugged: bool = True) -> None:
        self.name = name
        self.plugged = plugged
        self._outcome: CardRead | Exception | None = None
        self._listeners: list[CardListener] = []
        self.reads = 0

    def insert(self, outcome: CardRead | Exception) -> None:
        self._outcome = outcome
        self._emit(CardEventKind.INSERTED)

    def remove(self) -> None:
        self._outcome = None
        self._emit(CardEventKind.REMOVED)

    def _emit(self, kind: CardEventKind) -> None:
        for listener in list(self._listeners):
            listener(CardEvent(kind, self.name))

    def readers(self) -> list[str]:
        return [self.name] if self.plugged else []

    def card_present(self, reader: str | None = None) -> bool:
        return self._outcome is not None

    def read(self, reader: str | None = None) -> CardRead:
        self.reads += 1
        if self._outcome is None:
            raise NoCardError()
        if isinstance(self._outcome, Exception):
            raise self._outcome
        return self._outcome

    def subscribe(self, listener: CardListener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def close(self) -> None:
        self._listeners.clear()

    def describe(self) -> DeviceStatus:
        return plugged_reader_status(self)


@dataclass
class Submission:
    job: PrintJob
    title: str
    media: Media
    copies: int
    data: bytes


@dataclass
class FakePrinter:
    """Records what was submitted; ``status`` and ``outcome`` script the printer."""

    name: str = "fake"
    status: PrinterStatus = PrinterStatus.IDLE
    accepting: bool = True
    outcome: JobStatus = JobStatus.COMPLETED
    submissions: list[Submission] = field(default_factory=list)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def printers(self) -> list[str]:
        return [] if self.status is PrinterStatus.MISSING else [self.name]

    def default_printer(self) -> str | None:
        return None if self.status is PrinterStatus.MISSING else self.name

    def state(self, printer: str | None = None) -> PrinterState:
        return PrinterState(printer or self.name, self.status, self.accepting)

    def submit(self, pdf: Path, *, title: str, media: Media = Media.A4, copies: int = 1,
               printer: str | None = None) -> PrintJob:
        state = self.state(printer)
        if state.status is PrinterStatus.MISSING:
            raise NoPrinterError()
        if not state.ready:
            raise PrinterNotReady(printer=state.name, state=state.describe())
        job = PrintJob(state.name, next(self._ids), pdf)
        self.submissions.append(Submission(job, title, media, copies, pdf.read_bytes()))
        return job

    def job_state(self, job: PrintJob) -> JobState:
        return JobState(job, self.outcome)

    def wait(self, job: PrintJob, timeout: float = 30.0) -> JobState:
        return self.job_state(job)

    @property
    def folder(self) -> Path | None:
        return None  # a fake of a paper printer

    def describe(self) -> DeviceStatus:
        return queue_status(self)
