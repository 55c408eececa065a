"""The service façade: the only door the TUI (and the CLI) use into the core.

Why a façade: the Textual screens must not know about the queue, the catalogue,
the card reader or CUPS. Everything a screen shows comes back from here as a
small frozen dataclass with its labels already translated (``station.views``,
re-exported here); everything a screen does is one method call here. The core
never imports Textual.

Why so thin: the work is done by small services that share one ``Session``
(lock, clock, config, queue, signed-in staff, hardware ports). This class only
builds them and says which answers what — to change how a case is recorded,
open ``station.case_desk``; the unlock, ``station.sign_in``; the sync loop,
``station.sync.runner``; the daily purge, ``station.retention``; the status bar,
``station.status``; home visits, ``station.visits.service``.

Threading: every public method is safe to call from any thread (calls are
serialised by the session's lock). ``initialise``, ``unlock`` and ``add_staff``
run Argon2id and may wait out a back-off after wrong passphrases, and printing
waits for the printer: call those from a Textual worker thread, not the event loop.

Errors: every failure the user can act on is a ``StationError`` whose
``.message()`` is the sentence to show (``str(err)`` is only the catalogue key).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime

from stationq.keys import DEFAULT_KDF, KdfParams

from station import verification
from station.cards import CardDesk
from station.case_desk import CaseDesk
from station.cases.model import Case, CaseDraft, CaseStatus, Delivery
from station.cases.queue_open import translated
from station.catalogue import matters
from station.catalogue.views import (
    Choice,
    Eligibility,
    FieldView,
    MaterialView,
    MatterGuide,
    MatterSummary,
)
from station.errors import LockedError, NotInitialisedError, UnlockError
from station.hw.ports import CardReader, Printer
from station.outing import Outing
from station.people import Agent, Resident
from station.printout import PrintOutcome
from station.retention import RetentionKeeper
from station.session import Session
from station.sign_in import SignIn
from station.status import StatusBoard
from station.sync.runner import SyncRunner
from station.views import (
    CardEvent,
    CaseSummary,
    CentreStatus,
    RecordOutcome,
    StaffMember,
    StationStatus,
    TrainingCard,
)
from station.visits.service import VisitService

__all__ = [
    "Agent", "CardEvent", "Case", "CaseDraft", "CaseStatus", "CaseSummary", "CentreStatus",
    "Choice", "Delivery", "Eligibility", "FieldView", "LockedError", "MaterialView",
    "MatterGuide", "MatterSummary", "NotInitialisedError", "Outing", "PrintOutcome",
    "RecordOutcome", "Resident", "Service", "StaffMember", "StationStatus", "TrainingCard",
    "UnlockError", "open_service",
]


class Service:
    """One station: its services over one session.

    Build it with ``open_service()`` (``station.hw.factory`` picks the hardware), or
    pass fakes for tests: ``Service(reader=FakeReader(), printer=FakePrinter())``.
    A reader or printer left as None is chosen by the hardware factory on first use.
    ``kdf`` is the Argon2id cost of new passphrase slots; only tests lower it.
    """

    def __init__(self, *, reader: CardReader | None = None, printer: Printer | None = None,
                 clock: Callable[[], datetime] | None = None,
                 sleep: Callable[[float], None] | None = None,
                 kdf: KdfParams = DEFAULT_KDF) -> None:
        self.session = session = Session(reader=reader, printer=printer, clock=clock,
                                         sleep=sleep, kdf=kdf)
        self.visits = VisitService(session)
        self.cases = CaseDesk(session)
        self.cards = CardDesk(session)
        self.sync = SyncRunner(session, on_pulled=self.visits.import_requests)
        self.retention = RetentionKeeper(session)
        self.sign_in = SignIn(session, sync=self.sync, retention=self.retention,
                              on_lock=self.cases.forget_day)
        self.board = StatusBoard(session, self.sync)

        # First run, staff, lock, settings, today's outing: station.sign_in
        self.initialise = self.sign_in.initialise
        self.staff = self.sign_in.staff
        self.add_staff = self.sign_in.add_staff
        self.unlock = self.sign_in.unlock
        self.lock = self.sign_in.lock
        self.touch = self.sign_in.touch
        self.lock_if_idle = self.sign_in.lock_if_idle
        self.set_idle_lock_minutes = self.sign_in.set_idle_lock_minutes
        self.set_language = self.sign_in.set_language
        self.sites = self.sign_in.sites
        self.current_outing = self.sign_in.current_outing
        self.start_outing = self.sign_in.start_outing

        # The resident's card: station.cards
        self.read_card = self.cards.read_card
        self.watch_cards = self.cards.watch_cards
        self.training_cards = self.cards.training_cards
        self.insert_training_card = self.cards.insert_training_card

        # Residents, agents and cases: station.case_desk
        self.check_id = self.cases.check_id
        self.resident = self.cases.resident
        self.resident_hints = self.cases.resident_hints
        self.agent = self.cases.agent
        self.validate = self.cases.validate
        self.duplicate_warnings = self.cases.duplicate_warnings
        self.record_case = self.cases.record_case
        self.rate = self.cases.rate
        self.today_cases = self.cases.today_cases
        self.case_people = self.cases.case_people
        self.open_case = self.cases.open_case
        self.case_history = self.cases.case_history
        self.reprint = self.cases.reprint
        self.amend = self.cases.amend
        self.withdraw = self.cases.withdraw
        self.awaiting_reprint = self.cases.awaiting_reprint

        # The centre: station.sync.runner; the purge: station.retention
        self.sync_once = self.sync.sync_once
        self.start_sync = self.sync.start
        self.heartbeat = self.sync.heartbeat
        self.centre_status = self.sync.centre_status
        self.purge_expired = self.retention.purge_expired

        # The status bar: station.status
        self.status = self.board.status

    # ---- state the screens ask for ---------------------------------------------------

    @property
    def initialised(self) -> bool:
        """False on a fresh machine: the TUI shows the first-run screen."""
        return self.session.initialised

    @property
    def locked(self) -> bool:
        return self.session.locked

    @property
    def current_staff(self) -> StaffMember | None:
        return self.sign_in.current_staff

    @property
    def idle_lock_minutes(self) -> int:
        return self.sign_in.idle_lock_minutes

    @property
    def language(self) -> str | None:
        """The interface language chosen last (``zh_CN`` / ``en``); None before first run."""
        return self.sign_in.language

    @property
    def enrolled(self) -> bool:
        """Enrolled with a centre (``station enroll``); before that the station is offline."""
        return self.sync.enrolled

    # ---- the catalogue as the desk sees it: station.catalogue.matters -----------------

    def known_sites(self) -> list[str]:
        """Sites offered on the first-run screen (catalogue data); staff may type others."""
        return matters.known_sites()

    def lines(self) -> list[Choice]:
        """The 8 lines (条线): value = line code, label = its name."""
        return matters.lines()

    def menus(self) -> list[Choice]:
        """The five population menus (老年人 / 中年人 / 青年人 / 妇女 / 儿童)."""
        return matters.menus()

    def search_matters(self, query: str = "", *, line: str | None = None,
                       menu: str | None = None) -> list[MatterSummary]:
        """Chinese text, pinyin initials ("jlk") or code ("MZ01"); best match first.
        Empty query lists every matter (of the line / menu)."""
        return matters.search(query, line=line, menu=menu)

    def matter_guide(self, code: str, resident: Resident | None = None) -> MatterGuide:
        """办事指南: materials, form fields, eligibility for this resident, delivery choices."""
        return matters.guide(code, resident, self.session.today())

    def validate_field(self, code: str, key: str, value: str) -> str | None:
        """Inline check of one form field; returns the translated error or None."""
        return matters.validate_field(code, key, value, self.session.today())

    def missing_materials(self, code: str, ticked: Iterable[str],
                          answers: Mapping[str, str] | None = None,
                          delivery: str | None = None) -> list[MaterialView]:
        """Materials the answers need and staff did not tick: non-empty means 材料待补."""
        return matters.missing_materials(code, ticked, answers, delivery)

    # ---- checking the station's own records -------------------------------------------

    def verify(self, *, quick: bool = False) -> verification.Outcome:
        """What in the queue and the station's files cannot be trusted (works locked; local
        copies are authenticated too while unlocked). ``quick``: the last two days' rows
        only, for doctor. Findings carry no personal data."""
        s = self.session
        with s.lock:
            files = verification.loose_files()
            queue = s.cases().queue
            with translated():
                if quick:
                    return verification.quick(queue, s.now(), files)
                return verification.full(queue, files)

    def close(self) -> None:
        """Lock, stop watching the reader and syncing, close the queue."""
        with self.session.lock:
            self.cards.close()
            self.sync.close()
            self.sign_in.lock()
            self.session.close()


def open_service() -> Service:
    """Composition root: the PC/SC reader if one is present, else the simulated reader
    (training); the CUPS default printer if any, else the PDF-folder printer — chosen
    by ``station.hw.factory`` on first use, from the config's settings."""
    return Service()
