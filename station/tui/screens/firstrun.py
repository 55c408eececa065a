"""First run: create the station, its sites and the first staff member."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Button, Input, SelectionList

from shared.errors import StationError
from shared.i18n import get_locale, t
from station.tui.base import StationScreen
from station.tui.keys import Key
from station.tui.plain import Label, Static, plain
from station.tui.widgets import KeyBar, TickList


class FirstRunScreen(StationScreen):
    KEYS: ClassVar[list[Key]] = [
        Key("ctrl+s", "create", "tui.firstrun.create", priority=True),
    ]

    def compose(self) -> ComposeResult:
        yield Static(t("tui.firstrun.title"), classes="title")
        with VerticalScroll(id="form"):
            yield Static(t("tui.firstrun.intro"), classes="intro")
            yield Label(t("tui.firstrun.name"))
            yield Input(id="name", placeholder=t("tui.firstrun.name_hint"))
            yield Label(t("tui.firstrun.sites"))
            sites = self.station.service.known_sites()
            yield TickList(*[(plain(s), s) for s in sites], id="sites")
            yield Input(id="more_sites", placeholder=t("tui.firstrun.more_sites_hint"))
            yield Label(t("tui.firstrun.staff"))
            yield Input(id="staff", placeholder=t("tui.firstrun.staff_hint"))
            yield Label(t("tui.firstrun.passphrase"))
            yield Input(id="pass1", password=True, placeholder=t("tui.firstrun.passphrase_hint"))
            yield Label(t("tui.firstrun.passphrase_again"))
            yield Input(id="pass2", password=True)
            yield Button(t("tui.firstrun.create"), id="create", variant="primary")
        # Outside the scrolling form, above the keys: at 80×24 the message stays in sight.
        yield Static("", id="error", classes="error")
        yield KeyBar(self.KEYS)

    def on_mount(self) -> None:
        sites = self.query_one("#sites", SelectionList)
        if sites.option_count:
            sites.highlighted = 0  # Space ticks at once when the list gets focus
        self.query_one("#name", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "pass2":
            self.action_create()
        else:
            self.focus_next()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "create":
            self.action_create()

    def _sites(self) -> list[str]:
        ticked = list(self.query_one("#sites", SelectionList).selected)
        typed = self.query_one("#more_sites", Input).value
        for part in typed.replace("，", ",").replace("、", ",").split(","):
            if part.strip() and part.strip() not in ticked:
                ticked.append(part.strip())
        return ticked

    def action_create(self) -> None:
        error = self.query_one("#error", Static)
        pass1 = self.query_one("#pass1", Input).value
        if pass1 != self.query_one("#pass2", Input).value:
            error.update(t("tui.firstrun.passphrase_mismatch"))
            self.query_one("#pass2", Input).focus()
            return
        name = self.query_one("#name", Input).value.strip()
        staff = self.query_one("#staff", Input).value.strip()
        sites = self._sites()
        error.update(t("tui.firstrun.creating"))
        self.query_one("#create", Button).disabled = True
        service = self.station.service
        locale = get_locale()
        self.station.background(
            lambda: service.initialise(name=name, sites=sites, staff_name=staff,
                                       passphrase=pass1, locale=locale),
            lambda _member: self.station.enter_desk(),
            self._failed,
        )

    def _failed(self, err: Exception) -> None:
        self.query_one("#create", Button).disabled = False
        if isinstance(err, StationError):
            self.query_one("#error", Static).update(err.message())
        else:
            self.query_one("#error", Static).update("")
            self.station.show_error(err)
