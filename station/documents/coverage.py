"""Which installed face can draw which character, and the check that refuses a paper
rather than print a name with a character missing.

Why: Noto Sans CJK (the documents' face) draws GB 2312, GB 18030's BMP and CJK
Extension A, but only ~2 000 of Extension B's 42 720 ideographs and almost nothing
of C–G, where many rare given names (生僻字) live. fpdf2 drops a character its font
lacks with a log line only, so a resident's own name could leave on paper short of a
character. Debian packages faces that fill the gap (measured with fontTools on the
installed files, Debian bookworm; see docs/HARDWARE.md "Documents"):

- fonts-hanazono 20170904 (https://fonts.jp/hanazono/): HanaMinA (URO, Ext A) and
  HanaMinB (Ext B–F, complete up to Unicode 10);
- fonts-babelstone-han 15.0.5 (http://www.babelstone.co.uk/Fonts/Han.html): the
  Unicode 13/14 additions to Ext A–C and 3 045 of Ext G's 4 939.

They are found by family name through fontconfig, like the main face, and only read
when a document holds a character the main face lacks.
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from shared.errors import StationError
from station.documents.fontconfig import fc

# In the order they are tried: HanaMinB first, it alone covers Ext B–F.
FALLBACK_FAMILIES = ("HanaMinB", "HanaMinA", "BabelStone Han")

# CJK Unified Ideographs blocks, from the Unicode Character Database's Blocks.txt
# (https://www.unicode.org/Public/UCD/latest/ucd/Blocks.txt). Which code points in a
# block are assigned comes from Python's own unicodedata (its Unicode version is shown).
CJK_BLOCKS: tuple[tuple[str, int, int], ...] = (
    ("ext_a", 0x3400, 0x4DBF),
    ("ext_b", 0x20000, 0x2A6DF),
    ("ext_c", 0x2A700, 0x2B73F),
    ("ext_d", 0x2B740, 0x2B81F),
    ("ext_e", 0x2B820, 0x2CEAF),
    ("ext_f", 0x2CEB0, 0x2EBEF),
    ("ext_g", 0x30000, 0x3134F),
)

# Invisible characters that select or join glyphs but need none of their own
# (variation selectors, zero-width joiners, BOM): never a reason to refuse a paper.
_IGNORABLE = (frozenset(range(0xFE00, 0xFE10)) | frozenset(range(0xE0100, 0xE01F0))
              | frozenset((0x180B, 0x180C, 0x180D, 0x180F, 0x200B, 0x200C, 0x200D, 0x2060,
                           0xFEFF)))


class GlyphMissing(StationError):
    """No installed face draws these characters; ``chars`` names code points only."""

    key = "documents.glyph_missing"


@dataclass(frozen=True)
class Face:
    label: str  # the family name, for staff and support
    path: Path
    index: int


def drawn(text: str) -> set[int]:
    """The code points of ``text`` that need a glyph on paper."""
    return {cp for cp in map(ord, text)
            if cp not in _IGNORABLE and not chr(cp).isspace()
            and unicodedata.category(chr(cp)) != "Cc"}


def strip_ignorable(text: str) -> str:
    """``text`` without the invisible selectors no face here draws (else a box prints)."""
    if not any(ord(ch) in _IGNORABLE for ch in text):
        return text
    return "".join(ch for ch in text if ord(ch) not in _IGNORABLE)


def code_points(cps: Iterable[int]) -> str:
    """``U+20000、U+31350``: how staff and support name a character without the name."""
    return "、".join(f"U+{cp:04X}" for cp in sorted(cps))


def _fc_faces(family: str) -> list[Face]:
    faces = []
    for line in fc(["fc-list", "-f", "%{file}\t%{index}\n", f":family={family}"]).splitlines():
        file, _, index = line.partition("\t")
        if file and Path(file).exists():
            faces.append(Face(family, Path(file), int(index or 0)))
    return faces


def find_fallbacks() -> list[Face]:
    """The installed fallback faces, in the order they are tried."""
    found: list[Face] = []
    for family in FALLBACK_FAMILIES:
        for face in _fc_faces(family):
            if all(face.path != f.path for f in found):
                found.append(face)
                break
    return found


_CMAPS: dict[tuple[Path, int], frozenset[int]] = {}
_CMAP_LOCK = threading.Lock()


def face_cmap(path: Path, index: int = 0) -> frozenset[int]:
    """The code points a face maps, read by HarfBuzz (a few ms even for a 50 MB face;
    fontTools takes 0.1–0.2 s), once per process."""
    with _CMAP_LOCK:
        cmap = _CMAPS.get((path, index))
        if cmap is None:
            import uharfbuzz as hb

            cmap = frozenset(hb.Face(hb.Blob.from_file_path(str(path)), index).unicodes)
            _CMAPS[(path, index)] = cmap
        return cmap


def family_name(path: Path, index: int = 0) -> str:
    """The face's family as its name table gives it (e.g. "Noto Sans CJK SC")."""
    from fontTools import ttLib

    try:
        name = ttLib.TTFont(path, fontNumber=index, lazy=True)["name"].getBestFamilyName()
    except Exception:  # an unreadable name table: the file name still identifies it
        name = None
    return name or path.stem


@dataclass(frozen=True)
class BlockCoverage:
    block: str  # ext_a … ext_g
    assigned: int  # code points assigned in this Python's Unicode version
    covered: int  # drawn by at least one face
    by_face: tuple[tuple[str, int], ...]  # (family, how many it draws), faces with any


def block_coverage(faces: Iterable[tuple[str, frozenset[int]]]) -> list[BlockCoverage]:
    """Per CJK block: how many assigned ideographs each face draws, and all faces together."""
    faces = list(faces)
    out = []
    for block, first, last in CJK_BLOCKS:
        assigned = {cp for cp in range(first, last + 1)
                    if unicodedata.category(chr(cp)) != "Cn"}
        per_face = tuple((label, len(assigned & cmap)) for label, cmap in faces)
        union = set().union(*(assigned & cmap for _, cmap in faces)) if faces else set()
        out.append(BlockCoverage(block, len(assigned), len(union),
                                 tuple((label, n) for label, n in per_face if n)))
    return out
