"""Reading report outputs back: CSV tables, PDF text and how much of a colour a page shows."""

from __future__ import annotations

import csv
import io
import subprocess
from html.parser import HTMLParser
from pathlib import Path

from PIL import Image

SUPERVISOR = ("主管甲", "correct horse battery")  # the page tests' account
BLUE = (43, 108, 176)
ORANGE = (192, 86, 33)
GREEN = (56, 161, 105)
RED = (229, 62, 62)


def csv_tables(text: str) -> dict[str, list[list[str]]]:
    """{table id: [header, rows…]} from the report CSV (first cell = table id)."""
    out: dict[str, list[list[str]]] = {}
    for row in csv.reader(io.StringIO(text)):
        if row:
            out.setdefault(row[0], []).append(row[1:])
    return out


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


def colour_pixels(path: Path, colour: tuple[int, int, int], tolerance: int = 30) -> int:
    """Pixels of about `colour` on the rendered pages: the charts' bars and lines."""
    prefix = path.with_suffix("")
    subprocess.run(["pdftoppm", "-png", "-r", "50", str(path), f"{prefix}-page"], check=True,
                   capture_output=True)
    count = 0
    for png in sorted(path.parent.glob(f"{prefix.name}-page*.png")):
        raw = Image.open(png).convert("RGB").tobytes()
        count += sum(1 for i in range(0, len(raw), 3)
                     if all(abs(raw[i + k] - colour[k]) <= tolerance for k in range(3)))
    return count


def assert_no_personal(text: str, personal: list[str], where: str) -> None:
    leaked = [p for p in personal if p in text]
    assert not leaked, f"{where} holds personal data ({len(leaked)} values)"


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "table":
            self._table = dict(attrs).get("data-table")
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table:
            self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def html_tables(html: str) -> dict[str, list[list[str]]]:
    """{data-table id: [header, rows…]} from a report page."""
    parser = _Tables()
    parser.feed(html)
    return parser.tables
