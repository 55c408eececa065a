"""Stop before recording a case twice (issue 17): the same ID number under another name
today, or the same matter for this resident again today. Staff read why, then either go
back (Esc) or go on with a reason, which is recorded in the case, encrypted.

Why a modal and not a notice: a warning that goes away by itself is a warning nobody
reads; here nothing is recorded until staff answer one way or the other.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input

from shared.errors import StationError
from shared.i18n import t
from station.cases.validation import clean_reason
from station.tui.base import StationModal
from station.tui.keys import Key
from station.tui.plain import Static
from station.tui.widgets import Styled


class DuplicateModal(StationModal):
    """Answers the reason to go on (cleaned as stored), or None: go back, record nothing."""

    KEYS: ClassVar[list[Key]] = [
        Key("escape", "cancel", "tui.key.back", shown="Esc"),
    ]

    def __init__(self, warnings: list[str]) -> None:
        super().__init__()
        self.warnings = list(warnings)

    def compose(self) -> ComposeResult:
        with Vertical(id="box"):
            yield Static(t("tui.duplicate.title"), classes="title")
            text = Styled()
            for line in self.warnings:
                text.append(f"• {line}\n", style="bold $warning")
            yield Static(text.content, id="warnings")
            yield Input(id="reason", placeholder=t("tui.duplicate.hint"))
            yield Static("", id="error", classes="error")
            yield Static(t("tui.duplicate.keys"), classes="hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        try:
            reason = clean_reason(event.value)
        except StationError as err:
            self.query_one("#error", Static).update(err.message())
            return
        self.dismiss(reason)

    def action_cancel(self) -> None:
        self.dismiss(None)
