"""Every key of every screen, from the same tables the bindings are built from."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any, ClassVar, NamedTuple

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content

from shared.i18n import DEFAULT_LOCALE, catalogue, t
from station.tui.base import StationScreen
from station.tui.keys import GLOBAL_KEYS, Key, display
from station.tui.plain import Static
from station.tui.widgets import KeyBar, Styled

# The order screens appear in the help; screens not named here follow, by module name.
ORDER = ["DeskScreen", "IdentifyScreen", "PickerScreen", "GuideScreen", "DetailsScreen",
         "ConfirmScreen", "CasesScreen", "CaseScreen", "AmendScreen", "ReasonModal",
         "IdleLockModal", "TrainingCardScreen", "OutingScreen", "UnlockScreen",
         "FirstRunScreen", "HelpScreen"]

# Keys every screen inherits from Textual itself: listed too, so the help has every binding.
INHERITED: list[Key] = [
    Key("tab", "app.focus_next", "tui.key.next_field", shown="Tab"),
    Key("shift+tab", "app.focus_previous", "tui.key.previous_field", shown="Shift+Tab"),
    Key("ctrl+c", "screen.copy_text", "tui.key.copy", shown="^C"),
    Key("super+c", "screen.copy_text", "tui.key.copy", shown="^C", bar=False),
]


class HelpRow(NamedTuple):
    shown: str  # the key cap, e.g. "F6" or "↑↓"
    label: str  # catalogue key of what it does
    detail: str  # catalogue key of a longer explanation, or ""
    keys: tuple[str, ...]  # the bindings this row stands for (↑↓: "up", "down")


class HelpSection(NamedTuple):
    title: str  # catalogue key of the section title
    screen: type | None  # the screen class; None for the keys valid everywhere
    rows: list[HelpRow]


def _screen_classes() -> dict[str, Any]:
    from station.tui import screens
    from station.tui.base import StationModal, StationScreen

    found: dict[str, Any] = {}
    for info in sorted(pkgutil.iter_modules(screens.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{screens.__name__}.{info.name}")
        for obj in vars(module).values():
            if (isinstance(obj, type) and issubclass(obj, (StationScreen, StationModal))
                    and obj.__module__ == module.__name__):
                found[obj.__name__] = obj
    return found


def _sections() -> list[tuple[str, type | None, list[Key]]]:
    found = {n: c for n, c in _screen_classes().items() if c.KEYS}
    names = [n for n in ORDER if n in found] + [n for n in found if n not in ORDER]
    known = catalogue()[DEFAULT_LOCALE]
    out: list[tuple[str, type | None, list[Key]]] = [
        ("tui.help.global", None, [*GLOBAL_KEYS, *INHERITED])]
    for n in names:
        title = getattr(found[n], "HELP_TITLE", f"tui.help.screen.{n}")
        out.append((title if title in known else "tui.help.other", found[n], found[n].KEYS))
    return out


def screens_with_keys() -> list[tuple[str, list[Key]]]:
    """(catalogue key of the section title, keys) for the app and every screen.

    Every module of ``station.tui.screens`` is searched, so a screen added later (e.g.
    the home-visit mode) is listed without editing this file; its title is
    ``tui.help.screen.<ClassName>`` unless the class names another in ``HELP_TITLE``.
    """
    return [(title, keys) for title, _screen, keys in _sections()]


def help_sections() -> list[HelpSection]:
    """What the help shows: one row per key, a key that only repeats its neighbour's
    meaning (↓ after ↑↓, 2–5 after 1–5) folded into that row; an optional explanation
    ``tui.help.detail.<ClassName>.<action>`` from the catalogue under the row."""
    known = catalogue()[DEFAULT_LOCALE]
    out: list[HelpSection] = []
    for title, screen, keys in _sections():
        owner = screen.__name__ if screen is not None else "global"
        rows: list[HelpRow] = []
        for k in keys:
            action = k.action.split("(")[0]
            same = next((i for i, r in enumerate(rows) if r.label == k.label
                         and _action_of(keys, r.keys[0]) == action), None)
            if same is not None and not k.bar:
                rows[same] = rows[same]._replace(keys=(*rows[same].keys, k.key))
                continue
            detail = f"tui.help.detail.{owner}.{action.removeprefix('app.')}"
            rows.append(HelpRow(display(k), k.label, detail if detail in known else "",
                                (k.key,)))
        out.append(HelpSection(title, screen, rows))
    return out


def _action_of(keys: list[Key], key: str) -> str:
    return next(k.action.split("(")[0] for k in keys if k.key == key)


class HelpScreen(StationScreen):
    KEYS: ClassVar[list[Key]] = [
        Key("escape", "back", "tui.key.back", shown="Esc"),
    ]

    def compose(self) -> ComposeResult:
        yield Static(t("tui.help.title"), classes="title")
        with VerticalScroll(id="body"):
            yield Static(self._text(), id="keys")
        yield KeyBar(self.KEYS)

    def on_mount(self) -> None:
        self.query_one("#body").focus()

    @staticmethod
    def _text() -> Content:
        text = Styled()
        for section in help_sections():
            text.append(t(section.title) + "\n", style="bold underline")
            for row in section.rows:
                text.append(f"  {row.shown:>9}  ", style="bold")
                text.append(t(row.label) + "\n")
                if row.detail:
                    for line in t(row.detail).splitlines():
                        text.append(f"  {'':>9}  {line}\n", style="italic")
            text.append("\n")
        return text.content

    def action_back(self) -> None:
        self.app.pop_screen()
