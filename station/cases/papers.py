"""The paper a resident leaves with: render it, print it, and never lose a case over it.

Why here: the case is already safe in the queue when printing starts, so a jammed
or missing printer must only cost a reprint. The rendered PDF exists in the spool
folder only while it is handed to the printer: it carries the resident's name, and
a stolen laptop must yield no names without a passphrase. A failed print puts the
case number on the reprint list (case numbers only), and the reprint renders the
same paper again from the encrypted case. Leftovers of a crash mid-print are
deleted when the station next opens its queue.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from pathlib import Path

from shared.errors import StationError
from shared.i18n import t
from station import paths
from station.cases.model import Case
from station.hw.ports import Media, Printer
from station.printout import PrintOutcome, deliver
from station.private_files import write_private_text

log = logging.getLogger("station.cases.papers")


def spool_dir() -> Path:
    return paths.data_dir() / "spool"


def _reprint_file() -> Path:
    return paths.data_dir() / "reprint.json"


def awaiting_reprint() -> list[str]:
    try:
        return list(json.loads(_reprint_file().read_text(encoding="utf-8")))
    except (FileNotFoundError, ValueError):
        return []


def _save_reprint(case_nos: list[str]) -> None:
    path = _reprint_file()
    write_private_text(path, json.dumps(sorted(set(case_nos))))


def mark_reprint(case_no: str) -> None:
    _save_reprint([*awaiting_reprint(), case_no])


def clear_reprint(case_no: str) -> None:
    current = awaiting_reprint()
    if case_no in current:
        _save_reprint([c for c in current if c != case_no])


def purge_spool() -> int:
    """Drop PDFs a crash left behind mid-print (they hold names); reprints render afresh."""
    removed = 0
    for pdf in spool_dir().glob("*.pdf"):
        pdf.unlink(missing_ok=True)
        removed += 1
    return removed


def document_of(case: Case) -> str:
    return "notice" if case.status == "materials_pending" else "receipt"


def render(case: Case, *, station_name: str, staff_name: str, paper: str,
           reprinted_at: datetime | None = None) -> bytes:
    """The PDF bytes of the case's current paper (receipt or 一次性告知单); 受理时间 is
    always the case's own, and a reprint says 补打 with ``reprinted_at``."""
    from station.cases.paper_data import render_case

    return render_case(case, document=document_of(case), station_name=station_name,
                       staff_name=staff_name, paper=paper, reprinted_at=reprinted_at)


def print_case(case: Case, *, station_name: str, staff_name: str, printer: Printer | None,
               pdf: Path | None, paper: str,
               reprinted_at: datetime | None = None) -> PrintOutcome:
    """Print (or with ``pdf``, only save) the case's paper; failures become an outcome and
    put the case on the reprint list (it re-renders from the encrypted case, so no copy is
    kept: ``station.printout``)."""
    document = document_of(case)
    try:
        data = render(case, station_name=station_name, staff_name=staff_name, paper=paper,
                      reprinted_at=reprinted_at)
    except StationError as err:  # e.g. no CJK font: the case is safe, the paper waits
        return _failed(case, document, err.message())
    except Exception as err:  # a bug must not turn a recorded case into an error screen
        log.error("rendering %s failed: %s", document, type(err).__name__)
        return _failed(case, document, t("service.print_failed_unknown"))
    out = deliver(data, printer=printer, to=pdf,
                  kept=spool_dir() / f"{case.case_no}-v{case.version}-{document}.pdf",
                  # no personal data in the title: CUPS logs it
                  title=f"{t(f'service.doc_{document}')} {case.case_no}",
                  media=Media.ROLL80 if paper == "roll80" else Media.A4, keep_failed=False)
    if not out.ok:
        reason = (out.error.message() if out.error is not None
                  else ", ".join(out.reasons) or t("service.print_failed_unknown"))
        return _failed(case, document, reason)
    if pdf is None:
        clear_reprint(case.case_no)
    if out.saved:
        return PrintOutcome(document, True, str(out.path), out.path,
                            t(f"service.saved_{document}", destination=str(out.path)))
    return PrintOutcome(document, True, out.printer, None,
                        t(f"service.printed_{document}", destination=out.printer))


def _failed(case: Case, document: str, reason: str) -> PrintOutcome:
    mark_reprint(case.case_no)
    return PrintOutcome(document, False, "", None, t("service.print_failed", reason=reason))
