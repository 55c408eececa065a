"""The CJK font every document embeds: found through fontconfig, parsed once.

Why the trouble: Noto Sans CJK is a 19 MB CFF collection. Parsing it costs
~170 ms and fontTools' subsetting of its subroutinised CFF another ~250 ms per
document, far over the 150 ms a receipt may take. So, once per machine, we cut a
"common" face holding ASCII, punctuation and every GB 2312 character,
desubroutinised (a few seconds, cached on disk keyed by the source file), and
parse each face once per process. A document whose text has a rarer character
(a name with 𠮷 or 赟) gets the full face cut down to that document's characters by
HarfBuzz's subsetter (a few ms; fontTools needs ~0.5 s for the same). A character
the full face lacks too (CJK Ext B–G) is drawn from a fallback face (see
``coverage``), cut the same way; one that no face draws stops the document with
``GlyphMissing`` before anything is drawn.
"""

from __future__ import annotations

import copy
import hashlib
import io
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from shared.errors import StationError
from station import notices, paths
from station.documents.coverage import (
    Face,
    GlyphMissing,
    code_points,
    drawn,
    face_cmap,
    find_fallbacks,
)
from station.documents.fontconfig import fc

FAMILY = "stationcjk"
_PATTERNS = ("Noto Sans CJK SC:lang=zh-cn", "sans-serif:lang=zh-cn")
_CACHE_VERSION = "1"


class FontMissing(StationError):
    key = "documents.font_missing"


@dataclass(frozen=True)
class FontSource:
    path: Path
    index: int  # face number inside a .ttc/.otc collection


def _has_cjk(path: Path, index: int) -> bool:
    from fontTools import ttLib

    try:
        font = ttLib.TTFont(path, fontNumber=index, lazy=True)
        cmap = font.getBestCmap() or {}
    except Exception:  # any unreadable font is simply not a candidate
        return False
    return all(ord(ch) in cmap for ch in "受理回执0123456789")


def find_cjk_font() -> FontSource:
    """Ask fontconfig (fc-match, then fc-list) for a Simplified Chinese face with digits."""
    candidates: list[FontSource] = []
    for pattern in _PATTERNS:
        out = fc(["fc-match", "-f", "%{file}\t%{index}\n", pattern]).strip()
        if "\t" in out:
            file, index = out.split("\t", 1)
            candidates.append(FontSource(Path(file), int(index or 0)))
    for line in fc(["fc-list", ":lang=zh-cn", "file", "index"]).splitlines():
        if ": index=" in line:
            file, index = line.rsplit(": index=", 1)
            candidates.append(FontSource(Path(file), int(index.strip() or 0)))
    for source in candidates:
        if source.path.exists() and _has_cjk(source.path, source.index):
            return source
    raise FontMissing()


def common_chars() -> set[int]:
    chars = set(range(0x20, 0x7F)) | set(range(0xFF01, 0xFF5F)) | set(range(0x3000, 0x3040))
    chars |= set(range(0x2010, 0x2070)) | {0xA0, 0xB7, 0xD7, 0x2116, 0x2460, 0x2461, 0x2462}
    for cp in range(0x80, 0x10000):
        try:
            chr(cp).encode("gb2312")
        except UnicodeEncodeError:
            continue
        chars.add(cp)
    return chars


log = logging.getLogger("station.documents.fonts")


def _cache_dirs() -> tuple[Path, Path]:
    """(shared, per-user): read in that order; a cut is written to the first we may write."""
    return paths.shared_font_cache_dir(), paths.user_font_cache_dir()


def _writable(folder: Path) -> bool:
    probe = folder
    while not probe.exists():  # the nearest existing parent decides whether we may create it
        if probe.parent == probe:
            return False
        probe = probe.parent
    return os.access(probe, os.W_OK | os.X_OK)


def cached_common_face(source: FontSource) -> Path | None:
    """The GB 2312 cut of ``source`` if some cache already holds it (shared first)."""
    name = _common_name(source)
    for folder in _cache_dirs():
        if (folder / name).is_file() and os.access(folder / name, os.R_OK):
            return folder / name
    return None


def _common_name(source: FontSource) -> str:
    stat = source.path.stat()
    key = f"{source.path}|{source.index}|{stat.st_size}|{stat.st_mtime_ns}|{_CACHE_VERSION}"
    return f"common-{hashlib.sha256(key.encode()).hexdigest()[:16]}.otf"


def prepare_shared_cache() -> Path:
    """install.sh: cut the GB 2312 face into the shared cache, so no user waits for it."""
    source = find_cjk_font()
    shared = paths.shared_font_cache_dir()
    if (shared / _common_name(source)).is_file():
        return shared / _common_name(source)
    return _build_common(source, shared)


def common_face(source: FontSource) -> Path:
    """The cached GB 2312 face cut from ``source``, built on first use: into the shared
    cache when we may write it (install.sh), else into this user's cache, with a notice."""
    found = cached_common_face(source)
    if found is not None:
        return found
    shared, mine = _cache_dirs()
    return _build_common(source, shared if _writable(shared) else mine)


def _build_common(source: FontSource, folder: Path) -> Path:
    shared = paths.shared_font_cache_dir()
    if folder != shared:
        log.warning("font cut missing from the shared cache; building it for this user")
    notices.announce("documents.font_building")  # many seconds: staff must see why
    target = folder / _common_name(source)
    from fontTools import subset as ftsubset
    from fontTools import ttLib

    font = ttLib.TTFont(source.path, fontNumber=source.index, lazy=True)
    options = ftsubset.Options(notdef_outline=True, recommended_glyphs=True,
                               desubroutinize=True, hinting=False, layout_features=[],
                               name_IDs=["*"], glyph_names=False)
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "VORG", "vhea", "vmtx"]
    subsetter = ftsubset.Subsetter(options)
    subsetter.populate(unicodes=common_chars())
    subsetter.subset(font)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".{os.getpid()}.{threading.get_ident()}.part")
    font.save(tmp)
    if folder == shared:  # every user of the install reads it; the font is public data
        tmp.chmod(0o644)
        for d in (target.parent, target.parent.parent):
            if d.stat().st_uid == os.getuid():
                d.chmod(0o755)
    tmp.replace(target)
    return target


@dataclass
class _Face:
    path: Path
    index: int
    data: bytes
    template: object  # fpdf.fonts.TTFFont, parsed once
    cmap: frozenset[int]


class FontBook:
    """Parsed faces shared by every document this process renders."""

    def __init__(self, source: FontSource | None = None,
                 fallbacks: list[Face] | None = None) -> None:
        self._source = source
        self._fallbacks = fallbacks
        self._faces: dict[str, _Face] = {}
        self._cuts: dict[tuple[Path, int, frozenset[int]], bytes] = {}
        self._lock = threading.Lock()

    @property
    def fallbacks(self) -> list[Face]:
        """Looked up on the first document that needs one, never at start-up."""
        if self._fallbacks is None:
            self._fallbacks = find_fallbacks()
        return self._fallbacks

    @property
    def source(self) -> FontSource:
        if self._source is None:
            self._source = find_cjk_font()
        return self._source

    def _face(self, which: str) -> _Face:
        with self._lock:
            face = self._faces.get(which)
            if face is None:
                face = self._parse(common_face(self.source), 0)
                self._faces[which] = face
            return face

    @staticmethod
    def _parse(path: Path, index: int) -> _Face:
        from fpdf import FPDF
        from fpdf.fonts import TTFFont

        host = FPDF()
        template = TTFFont(host, path, FAMILY, "", collection_font_number=index)
        # Parsed here, under the book's lock: fontTools parses lazily and not thread-safely,
        # and documents rendered at the same time all copy these (_reuse_parsed_maps).
        for sub in template.ttfont["cmap"].tables:
            sub.cmap  # noqa: B018 - parses the subtable
        template.ttfont["hmtx"].metrics  # noqa: B018
        data = path.read_bytes()
        return _Face(path, index, data, template, frozenset(template.cmap))

    def warm(self) -> None:
        """Build and parse the common face now (e.g. at start-up) instead of on first print."""
        self._face("common")

    def _main(self) -> Face:
        return Face("main", self.source.path, self.source.index)

    def plan(self, text: str) -> tuple[frozenset[int], dict[Face, frozenset[int]]]:
        """What ``text`` needs beyond the common face: the characters to cut from the main
        (full) face, empty when the common face draws everything, and those each fallback
        face must draw. Raises ``GlyphMissing`` (code points only) when no face can."""
        needed = drawn(text)
        if needed <= self._face("common").cmap:
            return frozenset(), {}
        main = self._main()
        full = frozenset(needed & face_cmap(main.path, main.index))
        rest = needed - full
        extra: dict[Face, frozenset[int]] = {}
        for fallback in self.fallbacks if rest else ():
            mine = frozenset(rest & face_cmap(fallback.path, fallback.index))
            if mine:
                extra[fallback] = mine
                rest -= mine
            if not rest:
                break
        if rest:
            raise GlyphMissing(chars=code_points(rest))
        return full, extra

    def check(self, text: str) -> None:
        """Raise ``GlyphMissing`` unless some installed face draws every character."""
        self.plan(text)

    def _cut(self, face: Face, chars: frozenset[int]) -> bytes:
        """``face`` holding only ``chars`` (a few KB), cut by HarfBuzz's subsetter in
        ~1–5 ms; parsing a whole 20–50 MB face into fpdf2 instead costs 0.2–0.9 s."""
        import uharfbuzz as hb

        key = (face.path, face.index, chars)
        with self._lock:
            cut = self._cuts.get(key)
        if cut is not None:
            return cut
        wanted = hb.SubsetInput()
        wanted.unicode_set.update(chars)
        # No hinting (print), flat CFF charstrings (fpdf2 subsets again with fontTools).
        wanted.flags = hb.SubsetFlags.NO_HINTING | hb.SubsetFlags.DESUBROUTINIZE
        cut = hb.subset(hb.Face(hb.Blob.from_file_path(str(face.path)), face.index),
                        wanted).blob.data
        with self._lock:
            if len(self._cuts) >= _MAX_CUTS:  # names change all day: keep memory flat
                self._cuts.pop(next(iter(self._cuts)))
            self._cuts[key] = cut
        return cut

    def _install_cut(self, pdf: object, key: str, face: Face, chars: frozenset[int]) -> object:
        from fpdf.fonts import TTFFont

        font = TTFFont(pdf, io.BytesIO(self._cut(face, chars)), key, "")  # type: ignore[arg-type]
        pdf.fonts[key] = font  # type: ignore[attr-defined]
        _as_add_font_does(pdf, font)
        return font

    def install(self, pdf: object, text: str) -> str:
        """Give ``pdf`` the font for ``text``: a fresh copy of the common face, or, for text
        beyond GB 2312, the main face cut to the document's characters, plus fallback
        faces cut to what the main face lacks; returns the family. Raises
        ``GlyphMissing`` before anything is drawn if some character has no face."""
        full, extra = self.plan(text)
        if full or extra:
            main = self._main()
            # ASCII and CJK punctuation too: callers (charts, number formats) may draw a
            # few characters their text did not list; ~300 glyphs cost ~1 ms more.
            safe = _ALWAYS_CUT & face_cmap(main.path, main.index)
            self._install_cut(pdf, FAMILY, main, full | safe)
        else:
            self._install_common(pdf)
        keys = []
        for n, (fallback, chars) in enumerate(extra.items(), 1):
            key = f"{FAMILY}fallback{n}"  # lower case: fpdf2 strips "B"/"I" style letters
            self._install_cut(pdf, key, fallback, chars)
            keys.append(key)
        # https://py-pdf.github.io/fpdf2/Unicode.html#fallback-fonts: per character, the
        # first listed face whose cmap has it; each cut holds only its own characters.
        if keys:
            pdf.set_fallback_fonts(keys, exact_match=False)  # type: ignore[attr-defined]
        return FAMILY

    def _install_common(self, pdf: object) -> None:
        from fontTools import ttLib
        from fpdf.fonts import SubsetMap

        face = self._face("common")
        font = copy.copy(face.template)
        font.i = len(pdf.fonts) + 1  # type: ignore[attr-defined]
        # The subsetter rewrites ttfont in place at output: each document gets its own.
        # Bounding boxes stay the full face's (a valid superset): recomputing them
        # draws every glyph and doubles the time.
        font.ttfont = ttLib.TTFont(io.BytesIO(face.data), fontNumber=face.index, lazy=True,
                                   recalcTimestamp=False, recalcBBoxes=False)
        _reuse_parsed_maps(font.ttfont, face.template.ttfont)  # type: ignore[attr-defined]
        font.subset = SubsetMap(font)
        font.missing_glyphs = []
        font.biggest_size_pt = 0
        font._hbfont = None  # noqa: SLF001 — fpdf2 builds it again lazily (fonts.py, hbfont)
        pdf.fonts[FAMILY] = font  # type: ignore[attr-defined]
        _as_add_font_does(pdf, font)


def _as_add_font_does(pdf: object, font: object) -> None:
    """What ``FPDF.add_font`` does after building a font (fpdf2 2.8, py-pdf/fpdf2
    fpdf/fpdf.py, ``add_font``): a CFF CID-keyed face needs PDF 1.6. fpdf2 has no public
    call to register an already-built font, so this one private step is repeated here."""
    if font.is_cff and font.is_cid_keyed:  # type: ignore[attr-defined]
        pdf._set_min_pdf_version("1.6")  # type: ignore[attr-defined]  # noqa: SLF001


def _reuse_parsed_maps(fresh: object, parsed: object) -> None:
    """Give a document's fresh font the character map and the widths parsed once for the
    face (parsing them again took about a sixth of a receipt's rendering CPU). The
    subsetter rewrites them, so each document gets its own dicts, which cost far less to
    copy than the tables do to parse."""
    cmap = copy.copy(parsed["cmap"])  # type: ignore[index]
    cmap.tables = []
    for sub in parsed["cmap"].tables:  # type: ignore[index]
        mine = copy.copy(sub)
        mine.cmap = dict(sub.cmap)
        cmap.tables.append(mine)
    hmtx = copy.copy(parsed["hmtx"])  # type: ignore[index]
    hmtx.metrics = dict(hmtx.metrics)
    fresh["cmap"] = cmap  # type: ignore[index]
    fresh["hmtx"] = hmtx  # type: ignore[index]


_MAX_CUTS = 64
_ALWAYS_CUT = frozenset(range(0x20, 0x7F)) | frozenset(range(0x2010, 0x2028)) | frozenset(
    range(0x3000, 0x3012)) | frozenset(range(0xFF01, 0xFF5F))
_BOOK: FontBook | None = None


def font_book() -> FontBook:
    global _BOOK
    if _BOOK is None:
        _BOOK = FontBook()
    return _BOOK
