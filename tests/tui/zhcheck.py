"""One language at a time (issue 17): in zh mode the text on screen holds no English word
beyond an allow-list — formats and products (PDF, CUPS), units, codes, key caps printed
on the keyboard (Tab, Esc, F1) — and the data shown (case numbers, the printer's name).

The same allow-list idea as tests/test_zh_help.py for the CLI's --help, applied to the
rendered screen (the SVG export: what the terminal draws, toasts included)."""

from __future__ import annotations

import re

from tests.test_zh_help import ALLOWED as CLI_ALLOWED
from tests.tui.textcheck import DATA_PATTERNS

# Key caps as printed on keys and in our key bar (station.tui.keys.display).
KEY_CAPS = {"Tab", "Shift", "Esc", "Enter", "Space", "Ctrl", "Alt", "PgUp", "PgDn", "Home",
            "End", "Del", "Backspace", "Ins", "Up", "Down", "Left", "Right",
            *(f"F{i}" for i in range(1, 13))}
ALLOWED = CLI_ALLOWED | KEY_CAPS
WORD = re.compile(r"(?<![\w\-./%{])[A-Za-z][A-Za-z0-9_]+")
CODE = re.compile(r"[A-Z]{2}\d{2}|[A-Z]{1,3}\d*")  # matter codes MZ01, single capitals
STATION_ID = re.compile(r"\b[A-Z]{6}\b")  # station.config.new_station_id: six capitals


def _toggles() -> list[str]:
    """The language switch names the other language on purpose: whoever cannot read
    Chinese must still find the way to English."""
    from shared.i18n import t

    return [t("tui.cmd.language"), t("tui.key.language")]


def english_words(text: str, data: set[str] = frozenset()) -> list[str]:
    """Lines that hold a word outside the allow-list, each with the words found."""
    allowed = ALLOWED | {w for d in data for w in WORD.findall(d)}
    bad = []
    for toggle in _toggles():
        text = text.replace(toggle, " ")
    for line in text.splitlines():
        for rx in (*DATA_PATTERNS, STATION_ID):
            line = rx.sub(" ", line)
        words = [w for w in WORD.findall(line) if w not in allowed and not CODE.fullmatch(w)]
        if words:
            bad.append(f"{line.strip()}  ← {', '.join(words)}")
    return bad
