"""Ranked matter search by code, Chinese text, full pinyin and pinyin initials.

Why precomputed: the TUI searches on every keypress, so pinyin for every name is worked
out once when the index is built and a query only compares short ASCII strings; recent
queries are memoised because typing "j", "jl", "jlk" and back again repeats them.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from station.catalogue.model import Catalogue, Line, Matter

# Ranks, best first.
EXACT_CODE, CODE_PREFIX, INITIALS_PREFIX, NAME_PREFIX, INSIDE, OTHER = range(6)
_LETTERS = re.compile(r"^[a-z]+$")


@dataclass(frozen=True, slots=True)
class _Name:
    text: str                    # Chinese, as written
    syllables: tuple[str, ...]   # full pinyin, one per character (ASCII, ü as v)
    full: str                    # syllables joined
    initials: str                # first letter of each syllable


def _name(text: str) -> _Name:
    # Imported here: pypinyin's tables take about 0.3 s to load, half of a CLI command's
    # start, and only a search needs them (the index is built on its first query).
    from pypinyin import Style, lazy_pinyin

    syllables = tuple(s for s in (p.lower() for p in lazy_pinyin(text, style=Style.NORMAL,
                                                                 errors="ignore"))
                      if _LETTERS.match(s))
    return _Name(text=text, syllables=syllables, full="".join(syllables),
                 initials="".join(s[0] for s in syllables))


@dataclass(frozen=True, slots=True)
class _Entry:
    matter: Matter
    order: int
    code: str                    # lower case
    names: tuple[_Name, ...]     # name, full name, aliases
    other: str                   # English name and line, lower case


def _normalise(text: str) -> str:
    return "".join(text.lower().replace("ü", "v").replace("u:", "v").split())


def _syllable_match(query: str, syllables: tuple[str, ...], start: int) -> bool:
    """Does query spell syllables[start:] with each syllable given by a prefix of itself?

    This is what makes "jlk", "jinglaoka" and "jinglk" all find 敬老卡 without a fixed
    split between initials and full pinyin.
    """
    positions = {0}
    end = len(query)
    for syllable in syllables[start:]:
        nxt: set[int] = set()
        for pos in positions:
            for n in range(1, min(len(syllable), end - pos) + 1):
                if query[pos + n - 1] != syllable[n - 1]:
                    break
                nxt.add(pos + n)
        if end in nxt:
            return True
        if not nxt:
            return False
        positions = nxt
    return False


class SearchIndex:
    def __init__(self, matters: Iterable[Matter], lines: Iterable[Line] = ()) -> None:
        line_en = {ln.name: ln.name_en for ln in lines}
        self._entries = tuple(
            _Entry(matter=m, order=i, code=m.code.lower(),
                   names=tuple(_name(n) for n in (m.name, m.full_name, *m.aliases) if n),
                   other=" ".join((m.name_en, m.line, line_en.get(m.line, ""))).lower())
            for i, m in enumerate(matters))
        self._cached = lru_cache(maxsize=512)(self._search)

    def search(self, text: str) -> tuple[Matter, ...]:
        return self._cached(text)

    def _search(self, text: str) -> tuple[Matter, ...]:
        query = _normalise(text)
        if not query:
            return tuple(e.matter for e in self._entries)
        scored = []
        for e in self._entries:
            score = self._score(e, query)
            if score is not None:
                scored.append((score, e.order, e.matter))
        scored.sort(key=lambda item: (item[0], item[1]))
        return tuple(m for _, _, m in scored)

    @staticmethod
    def _score(e: _Entry, q: str) -> tuple[int, int] | None:
        if q == e.code:
            return (EXACT_CODE, 0)
        if e.code.startswith(q):
            return (CODE_PREFIX, 0)
        ascii_letters = q.isascii() and q.isalpha()
        best: tuple[int, int] | None = None
        for n, name in enumerate(e.names):
            found: tuple[int, int] | None = None
            if ascii_letters and name.initials.startswith(q):
                found = (INITIALS_PREFIX, n)
            elif name.text.startswith(q) or (ascii_letters and _spells_start(q, name)):
                found = (NAME_PREFIX, n)
            else:
                pos = name.text.find(q)
                if pos < 0 and ascii_letters:
                    pos = _inside_pinyin(q, name)
                if pos >= 0:
                    found = (INSIDE, pos)
            if found is not None and (best is None or found < best):
                best = found
        if best is not None:
            return best
        # English name or line: every hit is as good as another, so catalogue order decides.
        return (OTHER, 0) if q in e.other else None


def _spells_start(q: str, name: _Name) -> bool:
    """Full pinyin, or any mix of whole syllables and initials, from the first character."""
    if name.full.startswith(q):
        return True
    return bool(name.syllables) and q[0] == name.syllables[0][0] \
        and _syllable_match(q, name.syllables, 0)


def _inside_pinyin(q: str, name: _Name) -> int:
    """Syllable index where q starts matching later in the name, or -1."""
    for i in range(1, len(name.syllables)):
        if name.syllables[i][0] == q[0] and _syllable_match(q, name.syllables, i):
            return i
    return -1


_INDEXES: dict[int, SearchIndex] = {}  # by catalogue identity, dropped with the catalogue


def index_of(catalogue: Catalogue) -> SearchIndex:
    """The catalogue's pinyin index, built on first use (pypinyin's tables take a moment)."""
    key = id(catalogue)
    index = _INDEXES.get(key)
    if index is None:
        index = _INDEXES[key] = SearchIndex(catalogue.matters, catalogue.lines)
        weakref.finalize(catalogue, _INDEXES.pop, key, None)
    return index


def find_matters(catalogue: Catalogue, text: str, limit: int | None = None) -> list[Matter]:
    """Ranked matches by code, Chinese text, full pinyin or initials; empty text lists all."""
    found = index_of(catalogue).search(text)
    return list(found if limit is None else found[:limit])
