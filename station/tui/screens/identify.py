"""First step of serving without a card: type the ID number (checked as it is typed) and name."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input

from shared.errors import StationError
from shared.i18n import t
from station.tui.base import StationScreen
from station.tui.flow import ServeFlow
from station.tui.keys import Key
from station.tui.plain import Label, Static
from station.tui.widgets import KeyBar, NameInput, StatusBar


class IdentifyScreen(StationScreen):
    KEYS: ClassVar[list[Key]] = [
        Key("escape", "back", "tui.key.back", shown="Esc"),
    ]

    def compose(self) -> ComposeResult:
        yield Static(t("tui.identify.title"), classes="title")
        yield StatusBar()
        with Vertical(id="box"):
            yield Static(t("tui.identify.intro"), classes="intro")
            yield Label(t("tui.identify.id_number"))
            yield Input(id="id_number", max_length=18, placeholder=t("tui.identify.id_hint"))
            yield Static("", id="id_check")
            yield Label(t("tui.identify.name"))
            yield NameInput(id="name", placeholder=t("tui.identify.name_hint"))
            yield Static("", id="error", classes="error")
        yield KeyBar(self.KEYS)

    def on_mount(self) -> None:
        self.query_one("#id_number", Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "id_number":
            self._check(event.value, final=False)

    def _check(self, text: str, *, final: bool) -> Any:
        check = self.query_one("#id_check", Static)
        if not text.strip():
            check.update("")
            check.set_classes("")
            return None
        try:
            rid = self.station.service.check_id(text)
        except StationError as err:
            # While typing, a short number is not an error yet.
            reason = getattr(err, "reason", "")
            if not final and reason == "length" and len(text.strip()) < 18:
                check.update(t("tui.identify.typing", count=len(text.strip())))
                check.set_classes("")
            else:
                check.update(err.message())
                check.set_classes("error")
            return None
        check.update(t("tui.identify.valid", masked=rid.masked,
                       age=rid.age(self.station.today())))
        check.set_classes("ok")
        return rid

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "id_number":
            if self._check(event.value, final=True) is not None:
                self.set_focus(self.query_one("#name", Input))
            return
        self.action_next()

    def action_next(self) -> None:
        id_text = self.query_one("#id_number", Input).value
        if self._check(id_text, final=True) is None:
            self.query_one("#id_number", Input).focus()
            return
        name = self.query_one("#name", Input).value
        error = self.query_one("#error", Static)
        try:
            resident = self.station.service.resident(id_text, name)
        except StationError as err:
            error.update(err.message())
            self.set_focus(self.query_one("#name", Input))
            return
        error.update("")
        self._go(resident)

    def _go(self, resident: Any) -> None:
        from station.tui.screens.picker import PickerScreen

        self.app.switch_screen(PickerScreen(ServeFlow(resident)))

    def on_card(self, resident: Any) -> None:
        self._go(resident)

    def action_back(self) -> None:
        self.app.pop_screen()
