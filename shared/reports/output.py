"""Where a report goes: stdout, a file, or a PDF, for `station report` and `center report`.

Why the PDF renderer is passed in: it draws with the station's CJK fonts
(station/reports/pdf.py), and this package imports nothing of the station; the
rest (formats, the CSV's BOM, the "written to" line) is the same on both sides.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from shared.echo import echo, write
from shared.errors import StationError
from shared.i18n import t
from shared.reports.document import Document
from shared.reports.formats import render_csv, render_json, render_table


def write_report(fmt: str, output: Path | None, *, document: Callable[[], Document],
                 data: Callable[[], dict[str, Any]],
                 render_pdf: Callable[[Document, Path], object],
                 error: type[StationError] = StationError) -> None:
    """`fmt` is one of `formats.FORMATS`; `error` is the caller's own error type."""
    if fmt == "pdf":
        if output is None:
            raise error("reports.pdf_needs_file")
        render_pdf(document(), output)
        echo(t("reports.written", path=str(output)), err=True)
        return
    text = {"table": lambda: render_table(document()),
            "csv": lambda: render_csv(document()),
            "json": lambda: render_json(data())}[fmt]()
    if output is None:
        write(text)
    else:
        # Excel on a Chinese Windows reads a CSV without BOM as GBK: the BOM says UTF-8
        output.write_text(text, encoding="utf-8-sig" if fmt == "csv" else "utf-8")
        echo(t("reports.written", path=str(output)), err=True)
