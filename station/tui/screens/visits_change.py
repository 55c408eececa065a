"""Changing one home-visit appointment: a (new) day for it, or cancelling it with a reason.

Why its own module: visit mode and the waiting list both do this, and the waiting list
is opened from visit mode; kept in either screen's module, the two would import each other.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input

from shared.i18n import t
from station.tui.base import StationModal
from station.tui.keys import Key
from station.tui.plain import Static
from station.tui.when import parse_slot, slot_text


def cancel_visit(screen: Any, visit_id: str, then: Any) -> None:
    """Ask why, then cancel (the reason is stored encrypted and audited)."""
    from station.tui.screens.reason import ReasonModal

    visits = screen.station.service.visits

    def answered(reason: str | None) -> None:
        if not reason:
            return

        def done(appt: Any) -> None:
            screen.notify(t("visits.marked_cancelled", visit=appt.id))
            then()

        screen.station.background(lambda: visits.cancel(visit_id, reason), done)

    screen.app.push_screen(ReasonModal(t("visits.cancel_title")), answered)


class RescheduleModal(StationModal):
    """A new day and half-day, and why (the reason is stored encrypted); for a first
    date (``reason=False``) only the day and half-day."""

    DEFAULT_CSS = """
    RescheduleModal { align: center middle; }
    RescheduleModal #box { width: 70; height: auto; border: thick $accent; padding: 1 2;
                           background: $surface; }
    """

    KEYS: ClassVar[list[Key]] = [Key("escape", "cancel", "tui.key.cancel", shown="Esc")]

    def __init__(self, day: date, *, reason: bool = True) -> None:
        super().__init__()
        self.day = day
        self.ask_reason = reason

    def compose(self) -> ComposeResult:
        with Vertical(id="box"):
            yield Static(t("visits.reschedule_title" if self.ask_reason
                           else "visits.schedule_title"), classes="title")
            yield Input(value=slot_text(self.day + timedelta(days=1), "am"), id="when",
                        placeholder=t("visits.reschedule_when_hint"))
            reason = Input(id="reason", placeholder=t("tui.reason.hint"))
            reason.display = self.ask_reason
            yield reason
            yield Static("", id="error", classes="error")

    def on_mount(self) -> None:
        self.query_one("#reason" if self.ask_reason else "#when", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        reason = self.query_one("#reason", Input).value.strip()
        try:
            day, half = parse_slot(self.query_one("#when", Input).value)
        except ValueError:
            self.query_one("#error", Static).update(t("visits.reschedule_when_bad"))
            self.query_one("#when", Input).focus()
            return
        if not reason and self.ask_reason:
            self.query_one("#error", Static).update(t("tui.reason.required"))
            self.query_one("#reason", Input).focus()
            return
        self.dismiss((day, half, reason))

    def action_cancel(self) -> None:
        self.dismiss(None)
