"""What happened to a paper the station printed.

Why its own module: receipts, notices, slips and run sheets all end the same way —
printed, saved to a folder, or failed and kept for a reprint — and the case store
audits the outcome; one small module lets them all share the type without the
cases depending on the façade's views.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal


@dataclass(frozen=True)
class PrintOutcome:
    """What happened to a paper. A failed print never loses the case: ``reprint`` redoes it."""

    document: Literal["receipt", "notice"]  # notice = 一次性告知单
    printed: bool  # True: submitted and (as far as the printer says) done
    destination: str  # printer name, or the folder the PDF landed in
    pdf_path: Path | None  # the file when a PDF-folder printer or an explicit path was used
    message: str  # translated sentence for the user, e.g. "受理回执已打印"
