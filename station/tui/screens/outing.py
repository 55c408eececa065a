"""Today's outing: where the pop-up stands and who is on duty; every case is tagged with it."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, OptionList, SelectionList
from textual.widgets.option_list import Option

from shared.i18n import t
from station.tui.base import StationScreen
from station.tui.keys import Key
from station.tui.plain import Label, Static, plain
from station.tui.widgets import KeyBar, TickList


class OutingScreen(StationScreen):
    KEYS: ClassVar[list[Key]] = [
        Key("ctrl+s", "start", "tui.outing.start", priority=True),
    ]

    def compose(self) -> ComposeResult:
        service = self.station.service
        yield Static(t("tui.outing.title"), classes="title")
        with Vertical(id="box"):
            yield Label(t("tui.outing.site"))
            self._sites = list(service.sites())
            yield OptionList(*[Option(plain(s), id=f"site-{i}")
                               for i, s in enumerate(self._sites)], id="site")
            yield Input(id="new_site", placeholder=t("tui.outing.new_site_hint"))
            yield Label(t("tui.outing.staff"))
            me = service.current_staff
            yield TickList(
                *[(plain(m.name), m.id, me is not None and m.id == me.id)
                  for m in service.staff()],
                id="staff",
            )
            yield Static("", id="error", classes="error")
        yield KeyBar(self.KEYS)

    def on_mount(self) -> None:
        site = self.query_one("#site", OptionList)
        if site.option_count:
            site.highlighted = 0
        site.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.action_start()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_start()

    def action_start(self) -> None:
        typed = self.query_one("#new_site", Input).value.strip()
        site_list = self.query_one("#site", OptionList)
        if typed:
            site = typed
        elif site_list.highlighted is not None:
            site = self._sites[site_list.highlighted]
        else:
            self.query_one("#error", Static).update(t("tui.outing.site_missing"))
            return
        staff = list(self.query_one("#staff", SelectionList).selected)
        self.station.service.start_outing(site, staff)
        from station.tui.screens.desk import DeskScreen

        self.app.switch_screen(DeskScreen())
        self.station.refresh_status()
