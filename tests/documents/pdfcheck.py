"""Look inside rendered PDFs the way a reader would: poppler's pdftotext and pdftoppm."""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path


def _as_file(pdf: bytes | Path) -> tuple[Path, tempfile.TemporaryDirectory | None]:
    if isinstance(pdf, Path):
        return pdf, None
    tmp = tempfile.TemporaryDirectory()
    path = Path(tmp.name) / "doc.pdf"
    path.write_bytes(pdf)
    return path, tmp


def pdf_text(pdf: bytes | Path) -> str:
    path, tmp = _as_file(pdf)
    try:
        return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"],
                              capture_output=True, text=True, check=True, timeout=120).stdout
    finally:
        if tmp:
            tmp.cleanup()


def flat(text: str) -> str:
    """Text without whitespace, so wrapped lines compare as one string."""
    return re.sub(r"\s+", "", text)


def ink_ratio(pdf: bytes | Path, dpi: int = 40) -> float:
    """Share of dark pixels on page 1 (0.0 = blank)."""
    path, tmp = _as_file(pdf)
    try:
        pgm = subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-f", "1", "-l", "1",
                              str(path)], capture_output=True, check=True, timeout=120).stdout
    finally:
        if tmp:
            tmp.cleanup()
    # binary PGM: "P5\n<w> <h>\n<max>\n" then pixels
    parts = pgm.split(maxsplit=4)
    assert parts[0] == b"P5", "pdftoppm did not give a PGM"
    width, height = int(parts[1]), int(parts[2])
    pixels = parts[4][: width * height]
    dark = sum(1 for p in pixels if p < 128)
    return dark / max(1, width * height)


def word_heights(pdf: bytes | Path) -> list[tuple[str, float]]:
    """(word, box height in pt) for every word, from pdftotext -bbox."""
    path, tmp = _as_file(pdf)
    try:
        html = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True,
                              text=True, check=True, timeout=120).stdout
    finally:
        if tmp:
            tmp.cleanup()
    out = []
    for m in re.finditer(r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" '
                         r'yMax="([\d.]+)">([^<]*)</word>', html):
        out.append((m.group(3), float(m.group(2)) - float(m.group(1))))
    return out


def page_sizes_mm(pdf: bytes | Path) -> list[tuple[float, float]]:
    path, tmp = _as_file(pdf)
    try:
        info = subprocess.run(["pdfinfo", "-f", "1", "-l", "99", str(path)],
                              capture_output=True, text=True, check=True, timeout=120).stdout
    finally:
        if tmp:
            tmp.cleanup()
    sizes = re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info)
    return [(float(w) / 72 * 25.4, float(h) / 72 * 25.4) for w, h in sizes]
