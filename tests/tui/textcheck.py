"""The "every shown string is catalogued" check.

Collects the text each widget of a screen shows (before wrapping), removes whatever a
catalogue template explains (placeholders match anything on the line) and whatever is
data (matter names, materials, sites, names, case numbers …), and reports any residue
that still holds a letter or a CJK character: a literal string that bypassed
``shared.i18n.t``.
"""

from __future__ import annotations

import re
from string import Formatter
from typing import Any

from rich.text import Text
from textual.content import Content
from textual.widgets import Button, Checkbox, DataTable, Input, OptionList, RadioButton, Static

from shared.i18n import catalogue

LETTER = re.compile(r"[A-Za-z\u3400-\u9fff]")
DATA_PATTERNS = [
    re.compile(r"\b[A-Z]{6}-\d{6}-\d{3}\b"),  # case numbers
    re.compile(r"\b[0-9]{6}\*{8}[0-9]{3}[0-9X]\b"),  # masked ID numbers
    re.compile(r"\b[A-Z]{2}\d{2}\b"),  # matter codes
]


def _plain(value: Any) -> str:
    if isinstance(value, (Text, Content)):
        return value.plain
    return "" if value is None else str(value)


def shown_strings(screen: Any) -> list[str]:
    """Every piece of text the screen's widgets display."""
    out: list[str] = []
    for w in screen.query("*"):
        if not w.display:
            continue
        if isinstance(w, (RadioButton, Checkbox, Button)):
            out.append(_plain(w.label))
        elif isinstance(w, Static):
            out.append(_plain(w.visual))
        elif isinstance(w, Input):
            out.append(w.placeholder)
        elif isinstance(w, OptionList):
            out += [_plain(w.get_option_at_index(i).prompt) for i in range(w.option_count)]
        elif isinstance(w, DataTable):
            out += [_plain(c.label) for c in w.columns.values()]
            for row in range(w.row_count):
                out += [_plain(cell) for cell in w.get_row_at(row)]
    out += [n.message for n in screen.app._notifications]
    return [s for s in out if s.strip()]


def _template_regex(template: str) -> re.Pattern[str] | None:
    parts: list[str] = []
    literal_letters = 0
    for literal, name, _spec, _conv in Formatter().parse(template):
        parts.append(re.escape(literal))
        literal_letters += len(LETTER.findall(literal))
        if name is not None:
            parts.append(r".*?")
    # A template with (almost) no words of its own is formatting only; its
    # placeholders' contents must be explained on their own.
    if literal_letters < 1:
        return None
    return re.compile("".join(parts))


class Checker:
    def __init__(self, data: set[str]) -> None:
        # Shown text is checked line by line, so a message of several lines is too.
        templates = {line for loc in catalogue().values() for text in loc.values()
                     for line in text.splitlines() if line.strip()}
        self.fixed = {text for text in templates if "{" not in text}
        patterns: list[tuple[int, re.Pattern[str]]] = []
        for text in templates:
            # Weighed by the words of their own, not their placeholders.
            own = len(LETTER.findall(re.sub(r"\{[^}]*\}", "", text)))
            if "{" in text:
                rx = _template_regex(text)
                if rx is not None:
                    patterns.append((own, rx))
            else:
                patterns.append((own, re.compile(re.escape(text))))
        # Most words first, so a whole sentence is explained before a word inside it.
        self.patterns = [rx for _, rx in sorted(patterns, key=lambda x: -x[0])]
        self.data = []
        for d in sorted((d for d in data if d and d.strip()), key=len, reverse=True):
            if d.isascii():  # key caps, codes: only as whole tokens
                self.data.append(re.compile(rf"(?<![A-Za-z0-9]){re.escape(d)}(?![A-Za-z0-9])"))
            else:
                self.data.append(re.compile(re.escape(d)))

    def _explain(self, line: str, data_first: bool) -> str:
        data = [*DATA_PATTERNS, *self.data]
        groups = [data, self.patterns] if data_first else [self.patterns, data]
        for group in groups:
            for rx in group:
                line = rx.sub(" ", line)
        return line

    def residue(self, shown: str) -> str:
        """What no template and no data explains (either order of explaining)."""
        rest = []
        for line in shown.splitlines():
            if line.strip() in self.fixed:
                continue
            left = min((self._explain(line, first) for first in (True, False)),
                       key=lambda r: len(LETTER.findall(r)))
            if LETTER.search(left):
                rest.append(left.strip())
        return " | ".join(rest)

    def uncatalogued(self, screen: Any) -> list[tuple[str, str]]:
        return [(s, r) for s in shown_strings(screen) if (r := self.residue(s))]


def service_data(service: Any, extra: set[str] | None = None) -> set[str]:
    """Strings that come from data (the catalogue file, configuration, cards), not the UI."""
    from station.tui.keys import display
    from station.tui.screens.help import screens_with_keys

    data: set[str] = set(extra or ())
    for m in service.search_matters(""):
        data |= {m.code, m.name, m.line_name, *m.menus}
        guide = service.matter_guide(m.code)
        for mat in guide.materials:
            data |= {mat.name, mat.detail}
        for f in guide.fields:
            data |= {f.label, f.hint, *(c.label for c in f.choices)}
        data |= {d.label for d in guide.deliveries}
        data.add(guide.notes)
    data |= {c.label for c in service.lines()} | {c.label for c in service.menus()}
    data |= set(service.known_sites())
    if service.initialised:
        data |= set(service.sites()) | {m.name for m in service.staff()}
        data.add(service.status().station_name)
    data |= {c.label for c in service.training_cards()}
    from station.hw.simulated import SIMULATED_RESIDENTS

    data |= {r.name for r in SIMULATED_RESIDENTS}
    from station.people import mask_name

    data |= {mask_name(r.name) for r in SIMULATED_RESIDENTS}  # the cases list's name column
    # Key caps ("F2", "Esc", "Enter") are names printed on the keyboard.
    data |= {display(k) for _title, keys in screens_with_keys() for k in keys}
    return data
