"""Visit mode (上门服务): the day's doors in walking order, served one by one.

Why its own screen: on a home visit the team works from the run sheet, not from a
queue of strangers — open the next door, serve the resident already known (the
serve flow starts pre-filled and its cases carry the appointment id), then say
how it went. Nothing here needs the network: appointments live in the local
queue, and centre requests already pulled are taken in when the list loads.
"""

from __future__ import annotations

import contextlib
from datetime import date, timedelta
from typing import Any, ClassVar

from textual.app import ComposeResult

from shared.errors import StationError
from shared.i18n import t
from station.tui.base import StationScreen
from station.tui.keys import Key
from station.tui.plain import DataTable, Static
from station.tui.screens.visits_change import RescheduleModal, cancel_visit
from station.tui.widgets import KeyBar, StatusBar


class VisitsScreen(StationScreen):
    DEFAULT_CSS = """
    VisitsScreen #visits { height: 1fr; }
    """
    PERSONAL: ClassVar[bool] = True
    SERVE_HOME: ClassVar[bool] = True  # the serve flow comes back here after a case
    KEYS: ClassVar[list[Key]] = [
        Key("enter", "open", "visits.key_open", shown="Enter"),
        Key("v", "visited", "visits.key_visited"),
        Key("n", "no_show", "visits.key_no_show"),
        Key("r", "reschedule", "visits.key_reschedule"),
        Key("p", "print_slip", "visits.key_print_slip"),
        Key("f7", "print_sheet", "visits.key_print_sheet"),
        Key("c", "cancel", "visits.key_cancel"),
        Key("w", "waiting", "visits.key_waiting"),
        Key("b", "book", "visits.key_book_manual"),
        Key("left", "day(-1)", "visits.key_day", shown="←→"),
        Key("right", "day(1)", "visits.key_day", bar=False),
        Key("escape", "back", "tui.key.back", shown="Esc"),
    ]

    def __init__(self, day: date | None = None, select: str = "") -> None:
        super().__init__()
        self.day = day
        self.select = select  # a visit to put the cursor on once loaded (an existing booking)
        self.lines: list[Any] = []
        self.waiting = 0

    def compose(self) -> ComposeResult:
        yield Static("", id="heading", classes="title")
        yield StatusBar()
        yield Static("", id="summary")
        table: DataTable = DataTable(id="visits", cursor_type="row", zebra_stripes=True)
        yield table
        yield KeyBar(self.KEYS)

    def on_mount(self) -> None:
        if self.day is None:
            self.day = self.station.today()
        self._columns()
        self.query_one("#visits", DataTable).focus()
        self.load()

    def _columns(self) -> None:
        table = self.query_one("#visits", DataTable)
        table.clear(columns=True)
        table.add_columns(*(t(f"visits.col_{c}") for c in
                            ("order", "time", "address", "resident", "matters", "status")))

    def on_screen_resume(self) -> None:
        self.load()

    def relabel(self) -> None:
        """Language switch: headers, key bar and rows in the new language, cursor kept."""
        self._columns()
        self.query_one(KeyBar).relabel()
        self._show()

    # ---- loading -----------------------------------------------------------------------

    def load(self) -> None:
        visits, day = self.station.service.visits, self.day

        def fetch() -> tuple[list[Any], int]:
            # What the last sync pulled down, if anything; a broken inbox must not keep
            # the team from today's doors.
            with contextlib.suppress(StationError):
                visits.import_requests()
            return visits.day_sheet(day), visits.waiting()

        self.station.background(fetch, self._loaded)

    def _loaded(self, result: tuple[list[Any], int]) -> None:
        self.lines, self.waiting = result
        self._show()

    def _show(self) -> None:
        if not self.is_attached or self.day is None:
            return
        self.query_one("#heading", Static).update(
            t("visits.mode_title", date=self.day.isoformat()))
        table = self.query_one("#visits", DataTable)
        row = table.cursor_row
        table.clear()
        walk = 0
        for line in self.lines:
            a = line.appointment
            walk += line.walk_minutes
            when = (f"{t(f'visits.half_{line.half}')} {line.start:%H:%M}" if line.start
                    else t("visits.unplaced"))
            table.add_row(str(line.order), when, a.address.text, a.name,
                          "、".join(a.matters), t(f"visits.status_{a.status}"), key=a.id)
        wanted = next((i for i, line in enumerate(self.lines)
                       if line.appointment.id == self.select), None)
        if wanted is not None:
            self.select = ""
            table.move_cursor(row=wanted)
        elif self.lines:
            table.move_cursor(row=min(row, len(self.lines) - 1))
        summary = (t("visits.mode_summary", count=len(self.lines), walk=walk,
                     waiting=self.waiting)
                   if self.lines else t("visits.mode_empty", waiting=self.waiting))
        self.query_one("#summary", Static).update(summary)

    def current(self) -> Any | None:
        table = self.query_one("#visits", DataTable)
        if not self.lines or table.cursor_row is None:
            return None
        return self.lines[min(table.cursor_row, len(self.lines) - 1)].appointment

    # ---- actions -----------------------------------------------------------------------

    def action_day(self, step: int) -> None:
        self.day = (self.day or self.station.today()) + timedelta(days=step)
        self.lines = []
        self._show()
        self.load()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    def action_open(self) -> None:
        """The serve flow, with the resident of this door already filled in."""
        appt = self.current()
        if appt is None:
            return
        if appt.status not in ("scheduled", "rescheduled"):
            self.notify(t("visits.not_open", status=t(f"visits.status_{appt.status}")))
            return
        from station.tui.flow import ServeFlow
        from station.tui.screens.picker import PickerScreen

        resident = self.station.service.visits.resident_of(appt.id)
        self.app.push_screen(PickerScreen(ServeFlow(resident, visit=appt.id)))

    def _apply(self, fn, done_key: str) -> None:
        def done(appt: Any) -> None:
            self.notify(t(done_key, visit=appt.id))
            self.load()

        self.station.background(fn, done)

    def action_visited(self) -> None:
        appt = self.current()
        if appt is not None:
            visits = self.station.service.visits
            self._apply(lambda: visits.mark_visited(appt.id), "visits.marked_visited")

    def action_no_show(self) -> None:
        from station.tui.screens.reason import ReasonModal

        appt = self.current()
        if appt is None:
            return
        visits = self.station.service.visits

        def answered(reason: str | None) -> None:
            if reason:
                self._apply(lambda: visits.mark_no_show(appt.id, reason),
                            "visits.marked_no_show")

        self.app.push_screen(ReasonModal(t("visits.no_show_title")), answered)

    def action_reschedule(self) -> None:
        appt = self.current()
        if appt is None:
            return
        visits = self.station.service.visits

        def answered(result: tuple[date, str, str] | None) -> None:
            if result is None:
                return
            day, half, reason = result
            # Scheduled or a no-show alike: a new slot, and the reason goes with the move.
            self._apply(lambda: visits.reschedule(appt.id, day, half, reason=reason),
                        "visits.marked_rescheduled")

        self.app.push_screen(RescheduleModal(self.day or self.station.today()), answered)

    def _printed(self, outcome: Any) -> None:
        outcomes = outcome if isinstance(outcome, list) else [outcome]
        for o in outcomes:
            self.notify(o.message, severity="information" if o.printed else "warning")

    def action_print_slip(self) -> None:
        appt = self.current()
        if appt is not None:
            visits = self.station.service.visits
            self.station.background(lambda: visits.print_slip(appt.id), self._printed)

    def action_print_sheet(self) -> None:
        visits, day = self.station.service.visits, self.day
        self.station.background(lambda: visits.print_run_sheet(day), self._printed)

    def action_cancel(self) -> None:
        appt = self.current()
        if appt is not None:
            cancel_visit(self, appt.id, self.load)

    def action_waiting(self) -> None:
        from station.tui.screens.waiting import WaitingScreen

        self.app.push_screen(WaitingScreen())

    def action_book(self) -> None:
        from station.tui.screens.book_visit import BookVisitScreen

        self.app.push_screen(BookVisitScreen())

    def action_back(self) -> None:
        self.app.pop_screen()
