"""Print a rendered document without ever losing it.

Why this order: the PDF is written to the print folder *before* it goes to the
printer, so a jam, a stopped queue or a dead CUPS leaves the file there for a
reprint, and the case recorded before printing is never at risk. File names hold
only the document kind and the case number — never a name or an ID number.

A kept PDF holds a resident's name in clear, so by default (``keep="failed"``) the
copy is deleted once a real printer has printed it; the PDF-folder printer's file
is its output and always stays. Callers that can re-render from the encrypted
case (the core's reprint list) may pass ``keep="never"``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from station import paths
from station.hw.errors import PrinterError, PrintJobFailed
from station.hw.ports import JobState, JobStatus, Media, Printer

_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class PrintOutcome:
    kept: Path | None  # the PDF kept for reprinting (None once printed and dropped)
    state: JobState | None  # None when the printer refused before a job existed
    error: PrinterError | None = None

    @property
    def printed(self) -> bool:
        return self.state is not None and self.state.status is JobStatus.COMPLETED


def keep_pdf(pdf: bytes, stem: str, folder: Path | None = None) -> Path:
    """Write ``pdf`` to the print folder as ``<time>-<stem>.pdf`` (stem sanitised)."""
    from station.private_files import private_dir, write_private

    folder = private_dir(folder or paths.print_dir())  # papers name residents: owner only
    safe = _SAFE.sub("_", stem).strip("_") or "document"
    return write_private(folder / f"{datetime.now():%Y%m%d-%H%M%S-%f}-{safe}.pdf", pdf)


def print_pdf(printer: Printer, pdf: bytes, *, stem: str, title: str,
              media: Media = Media.A4, timeout: float = 60.0, folder: Path | None = None,
              raise_on_failure: bool = False,
              keep: Literal["always", "failed", "never"] = "failed") -> PrintOutcome:
    """Keep, submit, follow. Failures come back in the outcome (or raised, if asked)."""
    kept = keep_file = keep_pdf(pdf, stem, folder)
    try:
        job = printer.submit(kept, title=title, media=media)
        state = printer.wait(job, timeout=timeout)
        error: PrinterError | None = None
        if state.status is not JobStatus.COMPLETED:
            error = PrintJobFailed(printer=job.printer, kept=str(kept))
        outcome = PrintOutcome(job.document, state, error)
    except PrinterError as err:
        outcome = PrintOutcome(kept, None, err)
    if printer.folder is None and (keep == "never" or (keep == "failed" and outcome.printed)):
        keep_file.unlink(missing_ok=True)
        outcome = PrintOutcome(None, outcome.state, outcome.error)
    if raise_on_failure and outcome.error is not None:
        raise outcome.error
    return outcome
