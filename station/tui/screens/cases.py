"""Today's cases: list, filter by typing, open one."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.widgets import Input

from shared.i18n import t
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
        self.people: dict[str, tuple[str, str]] = {}  # case no → (name, ID number)
        self.status: str | None = None

    def compose(self) -> ComposeResult:
        yield Static(t("tui.cases.title"), classes="title")
        yield StatusBar()
        yield Input(id="filter", placeholder=t("tui.cases.filter_hint"))
        yield Static("", id="count")
        yield CasesTable(id="cases", names=True)
        yield KeyBar(self.KEYS)

    def on_mount(self) -> None:
        self.load()
        self.query_one(CasesTable).focus()

    def on_screen_resume(self) -> None:
        self.load()

    def load(self) -> None:
        service, status = self.station.service, self.status

        def fetch() -> tuple[list[Any], dict[str, tuple[str, str]]]:
            return service.today_cases(status=status), service.case_people()

        self.station.background(fetch, self._loaded)

    def _loaded(self, result: tuple[list[Any], dict[str, tuple[str, str]]]) -> None:
        self.cases, self.people = result
        self._show()

    def _matches(self, c: Any, text: str) -> bool:
        """By case number, matter, status, staff — or the resident's name or ID number."""
        if not text:
            return True
        name, number = self.people.get(c.case_no, ("", ""))
        return text in (f"{c.case_no} {c.matter} {c.matter_name} {c.status_label} "
                        f"{c.staff_name} {name} {number}").lower()

    def _show(self) -> None:
        if not self.is_attached:
            return
        text = self.query_one("#filter", Input).value.strip().lower()
        shown = [c for c in self.cases if self._matches(c, text)]
        table = self.query_one(CasesTable)
        table.people = self.people
        table.load(shown)
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
