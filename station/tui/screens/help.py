"""Every key of every screen, from the same tables the bindings are built from."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from station.i18n import t
from station.tui.base import StationScreen
from station.tui.keys import Key, display
from station.tui.widgets import KeyBar


def screens_with_keys() -> list[tuple[str, list[Key]]]:
    """(catalogue key of the section title, keys) for the app and every screen."""
    from station.tui.app import StationApp
    from station.tui.screens import (
        amend,
        case,
        cases,
        confirm,
        desk,
        details,
        firstrun,
        guide,
        identify,
        outing,
        picker,
        reason,
        settings,
        training,
        unlock,
    )

    classes: list[Any] = [
        desk.DeskScreen, identify.IdentifyScreen, picker.PickerScreen, guide.GuideScreen,
        details.DetailsScreen, confirm.ConfirmScreen, cases.CasesScreen, case.CaseScreen,
        amend.AmendScreen, reason.ReasonModal, settings.IdleLockModal,
        training.TrainingCardScreen,
        outing.OutingScreen, unlock.UnlockScreen, firstrun.FirstRunScreen, HelpScreen,
    ]
    return [("tui.help.global", StationApp.KEYS)] + [
        (f"tui.help.screen.{cls.__name__}", cls.KEYS) for cls in classes]


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
    def _text() -> Text:
        text = Text()
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
        return text

    def action_back(self) -> None:
        self.app.pop_screen()
