"""Characters staff cannot type: ``U+20000`` in a typed name becomes 𠀀.

Why: the input methods on a street laptop (e.g. fcitx/ibus pinyin) offer GB 2312 or
GBK, so many rare given names (生僻字, CJK Extension B–G) cannot be typed at all, while
the resident's card or 户口簿 shows the character and a code table (e.g.
https://www.unicode.org/charts/unihan.html) gives its code point. The notation is
Unicode's own (The Unicode Standard, Appendix A "Notational Conventions": ``U+``
and 4–6 hex digits); an optional ``;`` ends it where the next typed character is
itself a hex digit (``U+4E00;A``).
"""

from __future__ import annotations

import re
import unicodedata

from shared.errors import StationError

_SEQUENCE = re.compile(r"[Uu]\+([0-9A-Fa-f]{4,6});?")


class CodePointError(StationError):
    key = "intake.codepoint_invalid"


def _char(match: re.Match[str]) -> str:
    value = int(match.group(1), 16)
    if value > 0x10FFFF or 0xD800 <= value <= 0xDFFF:
        raise CodePointError(given=match.group(0)[:9])
    ch = chr(value)
    if unicodedata.category(ch) in ("Cc", "Cs"):  # control characters never belong in a name
        raise CodePointError(given=match.group(0)[:9])
    return ch


def expand(text: str, *, finished: bool = True) -> str:
    """``text`` with each ``U+XXXX`` sequence replaced by its character.

    While staff are still typing (``finished=False``) a sequence at the very end is
    left alone: ``U+2000`` may be the start of ``U+20000``.
    """
    if "+" not in text:
        return text
    if finished:
        return _SEQUENCE.sub(_char, text)
    out, last = [], 0
    for m in _SEQUENCE.finditer(text):
        if m.end() == len(text) and not m.group(0).endswith(";") and len(m.group(1)) < 6:
            break
        out += [text[last:m.start()], _char(m)]
        last = m.end()
    return "".join(out) + text[last:]
