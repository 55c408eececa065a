"""Reading report outputs back: CSV tables, PDF text and how much of a colour a page shows."""

from __future__ import annotations

import csv
import io
import subprocess
from pathlib import Path

from PIL import Image

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


def colour_pixels(path: Path, colour: tuple[int, int, int], page: int = 1,
                  tolerance: int = 30) -> int:
    """Pixels of about `colour` on a rendered page: the charts' bars and lines."""
    png = path.with_suffix(f".p{page}")
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", str(page), "-l", str(page),
                    "-singlefile", str(path), str(png)], check=True, capture_output=True)
    img = Image.open(str(png) + ".png").convert("RGB")
    raw = img.tobytes()
    return sum(1 for i in range(0, len(raw), 3)
               if all(abs(raw[i + k] - colour[k]) <= tolerance for k in range(3)))


def assert_no_personal(text: str, personal: list[str], where: str) -> None:
    leaked = [p for p in personal if p in text]
    assert not leaked, f"{where} holds personal data ({len(leaked)} values)"
