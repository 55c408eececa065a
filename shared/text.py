"""Text that people typed is data: no terminal control, no hidden reordering.

Why one rule for every input: a name reaches terminals (ESC sequences clear the
screen, set the window title), paper and the centre; a bidirectional override makes
"ABC‮FED" read as something else on screen than it is stored. So every text field —
TUI, CLI, visit requests, station and site names, a published catalogue — is
refused if it holds one of these code points:

- C0 controls U+0000–U+001F and DEL U+007F, C1 controls U+0080–U+009F (Unicode
  general category Cc; ECMA-48 § 5 uses them to start control sequences);
- the bidirectional formatting characters of Unicode UAX #9 § 2 (explicit
  embeddings and overrides U+202A–U+202E, isolates U+2066–U+2069, and the implicit
  marks U+200E LRM, U+200F RLM, U+061C ALM): https://www.unicode.org/reports/tr9/
  (the "Trojan Source" attack, CVE-2021-42574, uses exactly these).

`visible()` is the other half, for output: what an older or hostile stored row still
holds is shown escaped (``\\x1b``, ``\\u202e``), never sent raw to a terminal
(the CLI's every line goes through it: shared/echo.py).
"""

from __future__ import annotations

import re

from shared.errors import StationError

_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
FORBIDDEN = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}]")
# Multi-line texts (a catalogue's guidance) may keep line breaks and tabs, nothing else.
FORBIDDEN_MULTILINE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}]")


def forbidden_char(text: str, *, multiline: bool = False) -> tuple[int, str] | None:
    """(1-based position, "U+XXXX") of the first forbidden code point, or None."""
    found = (FORBIDDEN_MULTILINE if multiline else FORBIDDEN).search(text)
    if found is None:
        return None
    return found.start() + 1, f"U+{ord(found.group()):04X}"


def check_text(value: str, field: str, *, multiline: bool = False) -> str:
    """`value` unchanged, or `StationError("text.control_char")` naming the field (a
    `text.field_*` key), the code point and where it is — never the text itself,
    which may be personal data."""
    bad = forbidden_char(value or "", multiline=multiline)
    if bad is not None:
        from shared.i18n import t

        raise StationError("text.control_char", field=t(field), position=bad[0],
                           char=bad[1])
    return value


def is_plain(value: str, *, multiline: bool = False) -> bool:
    return forbidden_char(value, multiline=multiline) is None


def _escape(match: re.Match[str]) -> str:
    # C0 as \x1b; DEL, C1 and the direction marks as \u009b — also a valid escape
    # inside a JSON string, where json.dumps has already escaped C0 itself.
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x20 else f"\\u{code:04x}"


def visible(value: object, *, multiline: bool = False) -> str:
    """`value` as text with every forbidden code point written out (``\\x1b``), so
    printing it can neither drive the terminal nor reorder what is shown. `multiline`
    keeps line breaks and tabs (a screen's own multi-line messages)."""
    text = value if isinstance(value, str) else str(value)
    return (FORBIDDEN_MULTILINE if multiline else FORBIDDEN).sub(_escape, text)
