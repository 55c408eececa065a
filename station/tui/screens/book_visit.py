"""Book a home visit (预约上门): from the serve flow for an eligible resident, or by hand.

Why a form and not a wizard: the desk books while the resident (or a relative) is
standing there, so every field is on one page and Ctrl+S books; the service checks
everything before anything is stored and the first problem is shown in words.
A date given here schedules at once and the large-print slip can be printed (P).
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Input

from shared.errors import StationError
from shared.i18n import t
from shared.text import visible
from station.tui.base import StationScreen
from station.tui.intents import OpenAppointment
from station.tui.keys import Key
from station.tui.plain import Label, Static
from station.tui.when import parse_slot
from station.tui.widgets import KeyBar, NameInput, StatusBar
from station.visits.model import Contact, Slot

FIELDS = ("id_number", "name", "address", "phone", "matters", "family_name", "family_phone",
          "family_relation", "cert", "approved_by", "when")


class BookVisitScreen(StationScreen):
    DEFAULT_CSS = """
    BookVisitScreen #form { height: 1fr; padding: 0 2; }
    BookVisitScreen #outcome { height: auto; padding: 0 1; }
    """
    PERSONAL: ClassVar[bool] = True
    KEYS: ClassVar[list[Key]] = [
        Key("ctrl+s", "book", "visits.key_book", shown="^S", priority=True),
        Key("f9", "print_slip", "visits.key_print_slip", priority=True),
        Key("escape", "back", "tui.key.back", shown="Esc"),
    ]

    def __init__(self, resident: Any | None = None, matter: str = "") -> None:
        super().__init__()
        self.resident = resident
        self.matter = matter
        self.booked: Any = None

    def compose(self) -> ComposeResult:
        yield Static(t("visits.book_title"), id="title", classes="title")
        yield StatusBar()
        with VerticalScroll(id="form"):
            for key in FIELDS:
                yield Label(t(f"visits.field_{key}"), id=f"label_{key}")
                kind = NameInput if key in ("name", "family_name") else Input
                yield kind(id=key, placeholder=t(f"visits.hint_{key}"))
        yield Static("", id="outcome")
        yield KeyBar(self.KEYS)

    def on_mount(self) -> None:
        if self.resident is not None:
            self.query_one("#id_number", Input).value = self.resident.id.number
            self.query_one("#id_number", Input).disabled = True
            self.query_one("#name", Input).value = visible(self.resident.name)
            if getattr(self.resident, "address", ""):
                # The 户籍地址 from the 身份证: a starting point that staff confirm, since it
                # is not necessarily where the resident lives.
                self.query_one("#address", Input).value = visible(self.resident.address)
                self.query_one("#label_address", Label).update(t("idcard.address_from_card"))
        if self.matter:
            self.query_one("#matters", Input).value = self.matter
        first = "address" if self.resident is not None else "id_number"
        self.query_one(f"#{first}", Input).focus()

    def relabel(self) -> None:
        """Language switch without losing what was typed."""
        self.query_one("#title", Static).update(t("visits.book_title"))
        for key in FIELDS:
            self.query_one(f"#label_{key}", Label).update(t(f"visits.field_{key}"))
            self.query_one(f"#{key}", Input).placeholder = t(f"visits.hint_{key}")
        if getattr(self.resident, "address", ""):
            self.query_one("#label_address", Label).update(t("idcard.address_from_card"))
        self.query_one(KeyBar).relabel()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.focus_next()

    def _value(self, key: str) -> str:
        return self.query_one(f"#{key}", Input).value.strip()

    def action_book(self) -> None:
        if self.booked is not None:
            return
        when = self._value("when")
        slot = None
        if when:
            try:
                slot = Slot(*parse_slot(when))  # type: ignore[arg-type]
            except ValueError:
                self._say(t("visits.reschedule_when_bad"), error=True)
                return
        family = None
        if self._value("family_phone"):
            family = Contact(self._value("family_name"), self._value("family_phone"),
                             self._value("family_relation"))
        visits = self.station.service.visits
        args = dict(id_number=self._value("id_number"), name=self._value("name"),
                    address=self._value("address"), phone=self._value("phone"),
                    matters_=self._value("matters").replace("，", " ").replace(",", " ").split(),
                    family=family, disability_cert=self._value("cert"),
                    approved_by=self._value("approved_by"), slot=slot,
                    source="desk" if self.resident is not None else "manual")
        self.station.background(lambda: visits.book(**args), self._booked, self._failed)

    def _say(self, text: str, *, error: bool = False) -> None:
        outcome = self.query_one("#outcome", Static)
        outcome.update(text)
        outcome.set_classes("error" if error else "ok")

    def _failed(self, err: Exception) -> None:
        if isinstance(err, StationError):
            self._say(err.message(), error=True)
            visit = str(err.params.get("visit", ""))
            if err.key == "visits.resident_already_booked" and visit:
                self._open_existing(visit)
        else:
            self.station.show_error(err)

    def _open_existing(self, visit_id: str) -> None:
        """"请在原预约上修改": so open that booking, where it can be changed."""
        def opened(appt: Any) -> None:
            self.notify(t("visits.opened_existing", visit=appt.id))
            self.post_message(OpenAppointment(appt))

        visits = self.station.service.visits
        self.station.background(lambda: visits.get(visit_id), opened)

    def _booked(self, appt: Any) -> None:
        self.booked = appt
        if appt.slot is not None:
            self._say(t("visits.booked_on", visit=appt.id, date=appt.slot.day.isoformat(),
                        half=t(f"visits.half_{appt.slot.half}"), team=appt.team))
        else:
            self._say(t("visits.booked", visit=appt.id))

    def action_print_slip(self) -> None:
        if self.booked is None or self.booked.slot is None:
            self.notify(t("visits.slip_needs_date"))
            return
        visits, visit_id = self.station.service.visits, self.booked.id
        self.station.background(lambda: visits.print_slip(visit_id), self._printed)

    def _printed(self, outcome: Any) -> None:
        self.notify(outcome.message, severity="information" if outcome.printed else "warning")

    def action_back(self) -> None:
        self.app.pop_screen()
