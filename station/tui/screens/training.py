"""Training mode: choose a fictional resident's card to 'insert' in the simulated reader."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from shared.i18n import t
from station.tui.base import StationModal
from station.tui.keys import Key
from station.tui.plain import Static, plain


class TrainingCardScreen(StationModal):
    KEYS: ClassVar[list[Key]] = [
        Key("escape", "close", "tui.key.back", shown="Esc"),
    ]

    def __init__(self, cards: list[Any]) -> None:
        super().__init__()
        self.cards = cards

    def compose(self) -> ComposeResult:
        with Vertical(id="box"):
            yield Static(t("tui.training.title"), classes="title")
            yield OptionList(*[Option(plain(c.label), id=c.key) for c in self.cards], id="cards")
            yield Static(t("tui.training.hint"), classes="hint")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        key = event.option.id
        service = self.station.service
        self.dismiss(None)
        # The simulated reader then emits an insert event like a real one.
        self.station.background(lambda: service.insert_training_card(key))

    def action_close(self) -> None:
        self.dismiss(None)
