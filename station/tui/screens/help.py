"""Every key of every screen, from the same tables the bindings are built from."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from station.i18n import DEFAULT_LOCALE, catalogue, t
from station.tui.base import StationScreen
from station.tui.keys import Key, display
from station.tui.widgets import KeyBar, Styled

# The order screens appear in the help; screens not named here follow, by module name.
ORDER = ["DeskScreen", "IdentifyScreen", "PickerScreen", "GuideScreen", "DetailsScreen",
         "ConfirmScreen", "CasesScreen", "CaseScreen", "AmendScreen", "ReasonModal",
         "IdleLockModal", "TrainingCardScreen", "OutingScreen", "UnlockScreen",
         "FirstRunScreen", "HelpScreen"]


def screens_with_keys() -> list[tuple[str, list[Key]]]:
    """(catalogue key of the section title, keys) for the app and every screen.

    Every module of ``station.tui.screens`` is searched, so a screen added later (e.g.
    the home-visit mode) is listed without editing this file; its title is
    ``tui.help.screen.<ClassName>`` unless the class names another in ``HELP_TITLE``.
    """
    from station.tui import screens
    from station.tui.app import StationApp
    from station.tui.base import StationModal, StationScreen

    found: dict[str, Any] = {}
    for info in sorted(pkgutil.iter_modules(screens.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{screens.__name__}.{info.name}")
        for obj in vars(module).values():
            if (isinstance(obj, type) and issubclass(obj, (StationScreen, StationModal))
                    and obj.__module__ == module.__name__ and obj.KEYS):
                found[obj.__name__] = obj
    names = [n for n in ORDER if n in found] + [n for n in found if n not in ORDER]
    known = catalogue()[DEFAULT_LOCALE]
    out = [("tui.help.global", StationApp.KEYS)]
    for n in names:
        title = getattr(found[n], "HELP_TITLE", f"tui.help.screen.{n}")
        out.append((title if title in known else "tui.help.other", found[n].KEYS))
    return out


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
        for title, keys in screens_with_keys():
            text.append(t(title) + "\n", style="bold underline")
            seen: set[str] = set()
            for k in keys:
                label = t(k.label)
                if (label, k.action.split("(")[0]) in seen and not k.bar:
                    continue  # e.g. 2..5 share the label of 1
                seen.add(label)
                text.append(f"  {display(k):>8}  ", style="bold")
                text.append(label + "\n")
            text.append("\n")
        return text.content

    def action_back(self) -> None:
        self.app.pop_screen()
