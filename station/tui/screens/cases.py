"""Today's cases: list, filter by typing, open one."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.widgets import Input

from station.i18n import t
from station.tui.base import StationScreen
from station.tui.keys import Key
from station.tui.plain import DataTable, Static
from station.tui.widgets import CasesTable, KeyBar, StatusBar


class CasesScreen(StationScreen):
    KEYS: ClassVar[list[Key]] = [
        Key("enter", "open", "tui.key.open", shown="Enter"),
        Key("slash", "filter", "tui.key.filter", shown="/"),
        Key("f6", "status_filter", "tui.key.status_filter"),
        Key("escape", "back", "tui.key.back", shown="Esc"),
    ]
    STATUSES: ClassVar[list[str | None]] = [None, "accepted", "materials_pending", "withdrawn"]

    def __init__(self) -> None:
        super().__init__()
        self.cases: list[Any] = []
        self.status: str | None = None

    def compose(self) -> ComposeResult:
        yield Static(t("tui.cases.title"), classes="title")
        yield StatusBar()
        yield Input(id="filter", placeholder=t("tui.cases.filter_hint"))
        yield Static("", id="count")
        yield CasesTable(id="cases")
        yield KeyBar(self.KEYS)

    def on_mount(self) -> None:
        self.load()
        self.query_one(CasesTable).focus()

    def on_screen_resume(self) -> None:
        self.load()

    def load(self) -> None:
        service, status = self.station.service, self.status
        self.station.background(lambda: service.today_cases(status=status), self._loaded)

    def _loaded(self, cases: list[Any]) -> None:
        self.cases = cases
        self._show()

    def _show(self) -> None:
        if not self.is_attached:
            return
        text = self.query_one("#filter", Input).value.strip().lower()
        shown = [c for c in self.cases
                 if not text or text in f"{c.case_no} {c.matter} {c.matter_name} "
                 f"{c.status_label} {c.staff_name}".lower()]
        self.query_one(CasesTable).load(shown)
        status = (t(f"tui.cases.status.{self.status}") if self.status
                  else t("tui.picker.all"))
        self.query_one("#count", Static).update(
            t("tui.cases.count", shown=len(shown), total=len(self.cases), status=status))

    def on_input_changed(self, event: Input.Changed) -> None:
        self._show()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one(CasesTable).focus()

    def action_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_status_filter(self) -> None:
        i = self.STATUSES.index(self.status)
        self.status = self.STATUSES[(i + 1) % len(self.STATUSES)]
        self.load()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    def action_open(self) -> None:
        from station.tui.screens.case import CaseScreen

        case_no = self.query_one(CasesTable).current_case()
        if case_no is not None:
            self.app.push_screen(CaseScreen(case_no))

    def action_back(self) -> None:
        if self.focused is self.query_one("#filter", Input) and self.query_one(
                "#filter", Input).value:
            self.query_one("#filter", Input).value = ""
            return
        self.app.pop_screen()
