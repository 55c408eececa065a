"""The CUPS printer adapter (pycups).

pycups is imported lazily. libcups resolves a queue name for printFile through its
thread-wide server setting (not the connection's), so each request sets
``cups.setServer``/``setPort`` to this adapter's server and restores them after:
that is how tests point one adapter at an isolated cupsd. CUPS' states and
reasons are folded into `PrinterStatus` here.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from station.hw.errors import (
    LibraryMissing,
    NoPrinterError,
    PrinterError,
    PrinterNotReady,
    PrinterServiceError,
)
from station.hw.ports import (
    DeviceStatus,
    JobState,
    JobStatus,
    Media,
    PrinterState,
    PrinterStatus,
    PrintJob,
    queue_status,
)

_JOB_STATES = {3: JobStatus.PENDING, 4: JobStatus.HELD, 5: JobStatus.PROCESSING,
               6: JobStatus.FAILED, 7: JobStatus.CANCELED, 8: JobStatus.FAILED,
               9: JobStatus.COMPLETED}
_PAPER_OUT = ("media-empty", "media-needed", "media-jam")
_OFFLINE = ("offline", "shutdown", "connecting-to-device", "timed-out")
IPP_NOT_FOUND = 0x0406

_MEDIABOX = re.compile(rb"/MediaBox\s*\[\s*[\d.]+\s+[\d.]+\s+([\d.]+)\s+([\d.]+)\s*\]")


def media_options(media: Media, pdf: Path) -> dict[str, str]:
    """What to ask CUPS for: A4, or a custom 80 mm page as long as the PDF's first page
    (a roll document is exactly as long as its content)."""
    if media is Media.A4:
        return {"media": "A4"}
    height = 297.0
    with open(pdf, "rb") as fh:
        found = _MEDIABOX.search(fh.read(1 << 20))
    if found:
        height = float(found.group(2)) / 72 * 25.4
    return {"media": f"Custom.80x{height:.0f}mm"}


def _cups() -> Any:
    try:
        import cups
    except ImportError:
        raise LibraryMissing(library="pycups") from None
    return cups


def status_from(state: int, reasons: tuple[str, ...]) -> PrinterStatus:
    """Reasons win over the bare state: a stopped printer that is out of paper says so."""
    if any(r.startswith(_PAPER_OUT) for r in reasons):
        return PrinterStatus.OUT_OF_PAPER
    if any(r.startswith(_OFFLINE) for r in reasons):
        return PrinterStatus.OFFLINE
    if state == 5:
        return PrinterStatus.STOPPED
    if state == 4:
        return PrinterStatus.PRINTING
    return PrinterStatus.IDLE


class CupsPrinter:
    """Prints through CUPS; ``queue`` None means the server's default queue."""

    folder: Path | None = None  # it prints on paper

    def __init__(self, queue: str | None = None, *, host: str | None = None,
                 port: int | None = None, poll: float = 0.05) -> None:
        self._cups = _cups()
        self.queue = queue
        self.host = host or self._cups.getServer()
        self.port = port or self._cups.getPort()
        self._poll = poll

    def _conn(self) -> Any:
        self._cups.setServer(self.host)
        self._cups.setPort(self.port)
        try:
            return self._cups.Connection(host=self.host, port=self.port)
        except RuntimeError:  # "failed to connect to server"
            raise PrinterServiceError() from None

    def _ipp(self, fn: str, *args: Any, **kwargs: Any) -> Any:
        previous = (self._cups.getServer(), self._cups.getPort())
        try:
            return self._ipp_on(fn, *args, **kwargs)
        finally:  # leave libcups' (thread-wide) server as we found it
            self._cups.setServer(previous[0])
            self._cups.setPort(previous[1])

    def _ipp_on(self, fn: str, *args: Any, **kwargs: Any) -> Any:
        conn = self._conn()
        try:
            return getattr(conn, fn)(*args, **kwargs)
        except self._cups.IPPError as err:
            status = err.args[0] if err.args else 0
            if status == IPP_NOT_FOUND:
                raise NoPrinterError() from None
            if status in (-1, 1):  # lost connection mid-request
                raise PrinterServiceError() from None
            raise PrinterError("hw.printer_ipp", code=f"{status:04X}") from None
        except RuntimeError:
            raise PrinterServiceError() from None

    # -- Printer port -----------------------------------------------------------
    def printers(self) -> list[str]:
        return sorted(self._ipp("getPrinters"))

    def default_printer(self) -> str | None:
        return self._ipp("getDefault")

    def _target(self, printer: str | None) -> str:
        name = printer or self.queue or self.default_printer()
        if not name:
            names = self.printers()
            if len(names) != 1:
                raise NoPrinterError()
            name = names[0]
        return name

    def state(self, printer: str | None = None) -> PrinterState:
        try:
            name = self._target(printer)
        except NoPrinterError:
            return PrinterState(printer or self.queue or "-", PrinterStatus.MISSING, False)
        try:
            found = self._ipp("getPrinterAttributes", name, requested_attributes=[
                "printer-state", "printer-state-reasons", "printer-is-accepting-jobs",
                "printer-state-message"])
        except NoPrinterError:
            return PrinterState(name, PrinterStatus.MISSING, False)
        raw = found.get("printer-state-reasons", ())
        raw = (raw,) if isinstance(raw, str) else raw
        reasons = tuple(r for r in raw if r != "none")
        return PrinterState(
            name=name,
            status=status_from(int(found.get("printer-state", 3)), reasons),
            accepting=bool(found.get("printer-is-accepting-jobs", True)),
            reasons=reasons,
            message=str(found.get("printer-state-message", "")),
        )

    def submit(self, pdf: Path, *, title: str, media: Media = Media.A4, copies: int = 1,
               printer: str | None = None) -> PrintJob:
        state = self.state(printer)
        if state.status is PrinterStatus.MISSING:
            raise NoPrinterError()
        if not state.accepting:
            raise PrinterNotReady(printer=state.name, state=state.describe())
        options = media_options(media, pdf)
        options["copies"] = str(copies)
        job_id = self._ipp("printFile", state.name, str(pdf), title, options)
        return PrintJob(state.name, int(job_id), pdf)

    def job_state(self, job: PrintJob) -> JobState:
        attrs = self._ipp("getJobAttributes", job.job_id,
                          requested_attributes=["job-state", "job-state-reasons"])
        reasons = attrs.get("job-state-reasons", ())
        if isinstance(reasons, str):
            reasons = (reasons,)
        status = _JOB_STATES.get(int(attrs.get("job-state", 3)), JobStatus.PENDING)
        return JobState(job, status, tuple(reasons))

    def wait(self, job: PrintJob, timeout: float = 30.0) -> JobState:
        deadline = time.monotonic() + timeout
        while True:
            current = self.job_state(job)
            if current.status.final or time.monotonic() >= deadline:
                return current
            time.sleep(self._poll)

    def cancel(self, job: PrintJob) -> None:
        self._ipp("cancelJob", job.job_id)

    def describe(self) -> DeviceStatus:
        return queue_status(self)
