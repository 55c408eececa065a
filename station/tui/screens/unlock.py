"""Unlock (and the idle lock): pick your name, type your passphrase.

Why one screen for both: when it covers the stack after an idle lock, nothing personal
underneath is drawn, and dismissing it returns staff exactly where they were.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from shared.errors import StationError
from shared.i18n import t
from station.tui.base import StationScreen
from station.tui.keys import Key
from station.tui.plain import Label, Static, plain
from station.tui.widgets import KeyBar


class UnlockScreen(StationScreen):
    KEYS: ClassVar[list[Key]] = [
        Key("enter", "unlock", "tui.unlock.do", shown="Enter", bar=True, priority=False),
    ]

    def __init__(self, relock: bool = False) -> None:
        super().__init__()
        self.relock = relock
        self.waiting = 0  # seconds left before the next attempt is allowed

    def compose(self) -> ComposeResult:
        yield Static(t("tui.unlock.title_locked" if self.relock else "tui.unlock.title"),
                     classes="title")
        with Vertical(id="box"):
            yield Label(t("tui.unlock.staff"))
            staff = self.station.service.staff()
            yield OptionList(*[Option(plain(m.name), id=m.id) for m in staff], id="staff")
            yield Label(t("tui.unlock.passphrase"))
            yield Input(id="passphrase", password=True)
            yield Static("", id="message", classes="error")
        yield KeyBar(self.KEYS)

    def on_mount(self) -> None:
        staff = self.query_one("#staff", OptionList)
        current = self.station.service.current_staff
        staff.highlighted = 0
        if current is not None:
            for i in range(staff.option_count):
                if staff.get_option_at_index(i).id == current.id:
                    staff.highlighted = i
        self.query_one("#passphrase", Input).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.query_one("#passphrase", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_unlock()

    def action_unlock(self) -> None:
        if self.waiting > 0:
            return
        staff = self.query_one("#staff", OptionList)
        if staff.highlighted is None:
            return
        staff_id = staff.get_option_at_index(staff.highlighted).id
        box = self.query_one("#passphrase", Input)
        passphrase = box.value
        box.value = ""
        box.disabled = True
        self.query_one("#message", Static).update(t("tui.unlock.checking"))
        service = self.station.service
        self.station.background(lambda: service.unlock(staff_id, passphrase),
                                self._unlocked, self._failed)

    def _unlocked(self, _member: Any) -> None:
        if self.relock:
            self.dismiss(None)
            self.station.station_ready()
        else:
            self.station.enter_desk()

    def _failed(self, err: Exception) -> None:
        box = self.query_one("#passphrase", Input)
        box.disabled = False
        box.focus()
        message = self.query_one("#message", Static)
        if not isinstance(err, StationError):
            message.update("")
            self.station.show_error(err)
            return
        delay = round(getattr(err, "delay_s", 0))
        failures = getattr(err, "failures", 0)
        if delay <= 0:
            message.update(err.message())
            return
        # Failures are counted and held back by the service; show the countdown.
        self.waiting = delay
        box.disabled = True
        self._failures = failures
        self._countdown()
        self.set_interval(1.0, self._countdown, repeat=delay)

    def _countdown(self) -> None:
        message = self.query_one("#message", Static)
        if self.waiting <= 0:
            message.update(t("tui.unlock.failed_again", failures=self._failures))
            box = self.query_one("#passphrase", Input)
            box.disabled = False
            box.focus()
            return
        message.update(t("tui.unlock.failed_wait", failures=self._failures, seconds=self.waiting))
        self.waiting -= 1
