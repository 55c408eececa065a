"""Ask why: amendments and withdrawals need a reason, which the queue audits."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input

from shared.i18n import t
from station.tui.base import StationModal
from station.tui.keys import Key
from station.tui.plain import Static


class ReasonModal(StationModal):
    KEYS: ClassVar[list[Key]] = [
        Key("escape", "cancel", "tui.key.cancel", shown="Esc"),
    ]

    def __init__(self, title: str) -> None:
        super().__init__()
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical(id="box"):
            yield Static(self.title_text, classes="title")
            yield Input(id="reason", placeholder=t("tui.reason.hint"))
            yield Static("", id="error", classes="error")
            yield Static(t("tui.reason.keys"), classes="hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        reason = event.value.strip()
        if not reason:
            self.query_one("#error", Static).update(t("tui.reason.required"))
            return
        self.dismiss(reason)

    def action_cancel(self) -> None:
        self.dismiss(None)
