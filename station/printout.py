"""One way out for every paper the station prints: save it, or print it and say what happened.

Why one pipeline: receipts, 一次性告知单, appointment slips, run sheets and call lists
all name residents, so they all follow the same rules — the PDF is written owner-only
before it goes to the printer, a printed copy does not stay on disk, the PDF-folder
printer's file is its output, and a printer that fails gives words, never a traceback.
The case papers (``station.cases.papers``) and the visit papers
(``station.visits.paper``) render their own PDFs and turn the result into their own
sentences; what happens between is here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from shared.errors import StationError
from station.hw.ports import JobStatus, Media, Printer
from station.private_files import private_dir, write_private

PRINT_TIMEOUT_S = 30.0
log = logging.getLogger("station.printout")


@dataclass(frozen=True)
class PrintOutcome:
    """What happened to a paper. A failed print never loses the case: ``reprint`` redoes it."""

    document: str  # receipt | notice (一次性告知单) | slip | run_sheet | call_list
    printed: bool  # True: submitted and (as far as the printer says) done
    destination: str  # printer name, or the folder the PDF landed in
    pdf_path: Path | None  # the file when a PDF-folder printer or an explicit path was used
    message: str  # translated sentence for the user, e.g. "受理回执已打印"


@dataclass(frozen=True)
class Delivery:
    """How one PDF left: ``saved`` to ``path`` (an explicit file or the PDF folder),
    printed on ``printer``, or failed with ``error`` / the job's ``reasons``."""

    ok: bool
    saved: bool = False
    path: Path | None = None  # the saved file, or the copy kept after a failure
    printer: str = ""
    error: StationError | None = None
    reasons: tuple[str, ...] = ()


def deliver(pdf: bytes, *, printer: Printer | None, to: Path | None, kept: Path, title: str,
            media: Media, keep_failed: bool, timeout: float = PRINT_TIMEOUT_S) -> Delivery:
    """Write ``pdf`` to ``to`` (owner only) and stop there; or write it to ``kept`` and
    print it. ``title`` goes to CUPS (and its logs): a document kind and a number, never a
    name. After a failure the copy stays at ``kept`` only if ``keep_failed``."""
    if to is not None:
        return Delivery(True, saved=True, path=write_private(Path(to), pdf))
    private_dir(kept.parent)
    write_private(kept, pdf)
    try:
        job = printer.submit(kept, title=title, media=media)  # type: ignore[union-attr]
        state = printer.wait(job, timeout=timeout)  # type: ignore[union-attr]
    except StationError as err:
        return _failed(kept, keep_failed, error=err)
    except Exception as err:  # a driver bug: the same promise, the record is kept
        log.error("printing %s failed: %s", title.split(" ")[0], type(err).__name__)
        return _failed(kept, keep_failed)
    if state.status is not JobStatus.COMPLETED:
        return _failed(kept, keep_failed, printer=job.printer, reasons=tuple(state.reasons))
    out = Path(job.document)
    folder = getattr(printer, "folder", None)
    if folder is None or out.resolve() != kept.resolve():
        kept.unlink(missing_ok=True)  # on paper (or copied to the folder): no copy left here
    if folder is not None:  # the PDF-folder printer: its file is the output
        return Delivery(True, saved=True, path=out, printer=job.printer)
    return Delivery(True, printer=job.printer)


def _failed(kept: Path, keep: bool, *, error: StationError | None = None, printer: str = "",
            reasons: tuple[str, ...] = ()) -> Delivery:
    if not keep:
        kept.unlink(missing_ok=True)  # names must not wait on disk; a reprint re-renders
    return Delivery(False, path=kept if keep else None, printer=printer, error=error,
                    reasons=reasons)
