"""Bookings waiting for a date (待排期): requests phoned in to the centre or booked at the
desk without a day, and visits where nobody was home. Staff give them a day here, or
cancel them with a reason; the visit mode's summary counts them.
"""

from __future__ import annotations

import contextlib
from typing import Any, ClassVar

from textual.app import ComposeResult

from shared.errors import StationError
from shared.i18n import t
from station.tui.base import StationScreen
from station.tui.keys import Key
from station.tui.plain import DataTable, Static
from station.tui.screens.visits_change import RescheduleModal, cancel_visit
from station.tui.widgets import KeyBar, StatusBar

WAITING = ("requested", "no_show")


class WaitingScreen(StationScreen):
    DEFAULT_CSS = """
    WaitingScreen #waiting { height: 1fr; }
    """
    PERSONAL: ClassVar[bool] = True
    KEYS: ClassVar[list[Key]] = [
        Key("s", "schedule", "visits.key_schedule"),
        Key("enter", "schedule", "visits.key_schedule", shown="Enter", bar=False),
        Key("c", "cancel", "visits.key_cancel"),
        Key("escape", "back", "tui.key.back", shown="Esc"),
    ]

    def __init__(self, select: str = "") -> None:
        super().__init__()
        self.select = select  # put the cursor on this booking once loaded
        self.rows: list[Any] = []

    def compose(self) -> ComposeResult:
        yield Static(t("visits.waiting_title"), classes="title")
        yield StatusBar()
        yield Static("", id="summary")
        yield DataTable(id="waiting", cursor_type="row", zebra_stripes=True)
        yield KeyBar(self.KEYS)

    def on_mount(self) -> None:
        table = self.query_one("#waiting", DataTable)
        table.add_columns(*(t(f"visits.col_{c}") for c in
                            ("visit", "resident", "address", "matters", "status", "source")))
        table.focus()
        self.load()

    def on_screen_resume(self) -> None:
        self.load()

    def load(self) -> None:
        visits = self.station.service.visits

        def fetch() -> list[Any]:
            with contextlib.suppress(StationError):
                visits.import_requests()  # what the last sync pulled down
            return [s for s in visits.summaries() if s.status in WAITING]

        self.station.background(fetch, self._loaded)

    def _loaded(self, rows: list[Any]) -> None:
        self.rows = rows
        if not self.is_attached:
            return
        table = self.query_one("#waiting", DataTable)
        keep = table.cursor_row
        table.clear()
        for r in rows:
            table.add_row(r.visit_id, r.name, r.address, "、".join(r.matters),
                          r.status_label, r.source_label, key=r.visit_id)
        wanted = next((i for i, r in enumerate(rows) if r.visit_id == self.select), None)
        if wanted is not None:
            self.select = ""
            table.move_cursor(row=wanted)
        elif rows:
            table.move_cursor(row=min(keep, len(rows) - 1))
        self.query_one("#summary", Static).update(
            t("visits.waiting_count", count=len(rows)) if rows else t("visits.waiting_empty"))

    def current(self) -> Any | None:
        table = self.query_one("#waiting", DataTable)
        if not self.rows or table.cursor_row is None:
            return None
        return self.rows[min(table.cursor_row, len(self.rows) - 1)]

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        # Enter on the list: the table takes the key first and says so with this message.
        self.action_schedule()

    def action_schedule(self) -> None:
        row = self.current()
        if row is None:
            return
        visits = self.station.service.visits

        def answered(result: tuple[Any, str, str] | None) -> None:
            if result is None:
                return
            day, half, _reason = result

            def done(appt: Any) -> None:
                self.notify(t("visits.marked_scheduled", visit=appt.id,
                              date=appt.slot.day.isoformat(),
                              half=t(f"visits.half_{appt.slot.half}")))
                self.load()

            self.station.background(lambda: visits.schedule(row.visit_id, day, half), done)

        self.app.push_screen(RescheduleModal(self.station.today(), reason=False), answered)

    def action_cancel(self) -> None:
        row = self.current()
        if row is not None:
            cancel_visit(self, row.visit_id, self.load)

    def action_back(self) -> None:
        self.app.pop_screen()
