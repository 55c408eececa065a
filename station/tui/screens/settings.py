"""Idle auto-lock: how many minutes without a key before personal data is hidden."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input

from shared.errors import StationError
from shared.i18n import t
from station.tui.base import StationModal
from station.tui.keys import Key
from station.tui.plain import Label, Static


class IdleLockModal(StationModal):
    KEYS: ClassVar[list[Key]] = [
        Key("escape", "cancel", "tui.key.cancel", shown="Esc"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="box"):
            yield Static(t("tui.idle.title"), classes="title")
            yield Label(t("tui.idle.minutes"))
            yield Input(str(self.station.service.idle_lock_minutes), id="minutes",
                        type="integer", max_length=3)
            yield Static("", id="error", classes="error")
            yield Static(t("tui.reason.keys"), classes="hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        try:
            minutes = int(event.value or "0")
            self.station.service.set_idle_lock_minutes(minutes)
        except StationError as err:
            self.query_one("#error", Static).update(err.message())
            return
        self.notify(t("tui.idle.saved", minutes=minutes))
        self.dismiss(minutes)

    def action_cancel(self) -> None:
        self.dismiss(None)
