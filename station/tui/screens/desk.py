"""The desk: the screen staff live in — status, today's cases, and the serve key."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult

from shared.i18n import t
from station.tui.base import StationScreen
from station.tui.keys import Key
from station.tui.plain import DataTable, Static
from station.tui.widgets import CasesTable, KeyBar, StatusBar


class DeskScreen(StationScreen):
    KEYS: ClassVar[list[Key]] = [
        Key("f2", "serve", "tui.key.serve"),
        Key("f3", "cases", "tui.key.cases"),
        Key("f4", "training_card", "tui.key.training_card"),
        Key("f5", "reload", "tui.key.reload", bar=False),
        Key("f6", "visits", "visits.key_visits"),  # visit mode: today's home visits
    ]

    def compose(self) -> ComposeResult:
        yield Static("", id="heading", classes="title")
        yield StatusBar(id="status")
        yield Static(t("tui.desk.today"), classes="section")
        yield CasesTable(id="cases")
        yield Static(t("tui.desk.hint"), id="hint")
        yield KeyBar(self.KEYS)

    def on_mount(self) -> None:
        self._heading()
        self._load(said=False)
        self.query_one(CasesTable).focus()

    def on_screen_resume(self) -> None:
        self._load(said=False)

    def _heading(self) -> None:
        status = self.station.status
        name = status.station_name if status is not None else ""
        day = self.station.today()
        self.query_one("#heading", Static).update(
            t("tui.desk.heading", station=name, date=day.isoformat()))

    def action_reload(self) -> None:
        """F5 asked for it: say that the list is fresh, so the key visibly did its work."""
        self._load(said=True)

    def _load(self, *, said: bool) -> None:
        service = self.station.service

        def shown(cases: list[Any]) -> None:
            self._show_cases(cases)
            if said:
                self.notify(t("tui.desk.reloaded", count=len(cases)))

        self.station.background(service.today_cases, shown)
        self.station.refresh_status()

    def _show_cases(self, cases: list[Any]) -> None:
        if self.is_attached:
            self.query_one(CasesTable).load(cases)
            self._heading()

    # ---- serving -------------------------------------------------------------------

    def action_serve(self) -> None:
        from station.tui.screens.identify import IdentifyScreen

        self.app.push_screen(IdentifyScreen())

    def on_card(self, resident: Any) -> None:
        from station.tui.flow import ServeFlow
        from station.tui.screens.picker import PickerScreen

        self.app.push_screen(PickerScreen(ServeFlow(resident)))

    def action_cases(self) -> None:
        from station.tui.screens.cases import CasesScreen

        self.app.push_screen(CasesScreen())

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        from station.tui.screens.case import CaseScreen

        case_no = self.query_one(CasesTable).current_case()
        if case_no is not None:
            self.app.push_screen(CaseScreen(case_no))

    def action_visits(self) -> None:
        from station.tui.screens.visits import VisitsScreen

        self.app.push_screen(VisitsScreen())

    def action_training_card(self) -> None:
        from station.tui.screens.training import TrainingCardScreen

        cards = self.station.service.training_cards()
        if not cards:
            self.notify(t("tui.desk.no_training"))
            return
        self.app.push_screen(TrainingCardScreen(cards))
