"""The service façade: the only door the TUI (and the CLI) use into the core.

Why a façade: the Textual screens must not know about the queue, the catalogue,
the card reader or CUPS. Everything a screen shows comes back from here as a
small frozen dataclass with its labels already translated; everything a screen
does is one method call here. The core never imports Textual.

Threading: every public method is safe to call from any thread (calls are
serialised by one lock). ``unlock`` and ``add_staff`` run Argon2id and may add a
back-off delay after wrong passphrases, and printing waits for the printer:
call those from a Textual worker thread, not the event loop.

Errors: every failure the user can act on is a ``StationError`` whose
``.message()`` is the sentence to show (``str(err)`` is only the catalogue key).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Literal

from station.errors import StationError
from station.identity import ResidentId
from station.intake import (
    Agent,
    Case,
    CaseDraft,
    CaseStatus,
    Delivery,
    Resident,
)

__all__ = [
    "Agent",
    "Case",
    "CaseDraft",
    "CaseStatus",
    "CaseSummary",
    "CardEvent",
    "Choice",
    "Delivery",
    "Eligibility",
    "FieldView",
    "LockedError",
    "MaterialView",
    "MatterGuide",
    "MatterSummary",
    "NotInitialisedError",
    "Outing",
    "PrintOutcome",
    "RecordOutcome",
    "Resident",
    "Service",
    "StaffMember",
    "StationStatus",
    "TrainingCard",
    "UnlockError",
    "open_service",
]


# --------------------------------------------------------------------------- errors


class LockedError(StationError):
    """Personal data asked for while no staff member is unlocked (key ``service.locked``)."""

    def __init__(self) -> None:
        super().__init__("service.locked")


class NotInitialisedError(StationError):
    """The station has no configuration yet: show the first-run screen (``service.not_initialised``)."""

    def __init__(self) -> None:
        super().__init__("service.not_initialised")


class UnlockError(StationError):
    """Wrong passphrase. ``failures`` counts consecutive failures for that staff slot;
    ``delay_s`` is how long the next attempt will be held back (the TUI may show a countdown)."""

    def __init__(self, failures: int, delay_s: float) -> None:
        self.failures = failures
        self.delay_s = delay_s
        super().__init__("service.unlock_failed", failures=failures, delay=round(delay_s))


# --------------------------------------------------------------------------- views


@dataclass(frozen=True)
class StaffMember:
    id: str  # stable slot id, e.g. "s01" (goes into clear metadata; the name does not)
    name: str


@dataclass(frozen=True)
class Outing:
    """Today's pop-up: where, and who is on duty. Every case is tagged with it."""

    day: date
    site: str
    staff_ids: tuple[str, ...]


@dataclass(frozen=True)
class Choice:
    value: str
    label: str  # translated / catalogue text


@dataclass(frozen=True)
class MatterSummary:
    """One row of the matter picker."""

    code: str  # "MZ01"
    name: str  # "敬老卡申领"
    line: str  # line code, e.g. "MZ"
    line_name: str  # "民政"
    menus: tuple[str, ...]  # population menus listing it: subset of Service.menus() values
    time_limit_days: int  # 承诺时限 in working days; 0 = 即办
    home_visit: bool  # can be done on a home visit


@dataclass(frozen=True)
class MaterialView:
    code: str
    name: str  # "户口簿"
    detail: str  # "原件 1 份" / "复印件 2 份" (translated)
    required: bool  # False: only needed in some situations (the name says which)


@dataclass(frozen=True)
class FieldView:
    """A form field as the TUI should render it; ``validate_field`` checks one value live."""

    key: str
    label: str
    kind: Literal["text", "int", "decimal", "date", "phone", "choice", "bool", "id_number"]
    required: bool
    choices: tuple[Choice, ...] = ()  # for kind == "choice"
    hint: str = ""  # placeholder / example text
    max_length: int | None = None


@dataclass(frozen=True)
class Eligibility:
    ok: bool
    reason: str = ""  # translated sentence when not ok (or a caution when ok)
    review: bool = False  # the rule is marked "to be confirmed" in the catalogue


@dataclass(frozen=True)
class MatterGuide:
    """办事样本 for one matter and (optionally) one resident."""

    matter: MatterSummary
    materials: tuple[MaterialView, ...]
    fields: tuple[FieldView, ...]
    eligibility: Eligibility | None  # None when no resident was given
    deliveries: tuple[Choice, ...]  # allowed ways the result reaches the resident, default first
    due_date: date | None  # today + time limit in working days (None for 即办 = today)
    notes: str = ""  # extra guidance from the catalogue


@dataclass(frozen=True)
class PrintOutcome:
    """What happened to a paper. A failed print never loses the case: ``reprint`` renders it again."""

    document: Literal["receipt", "notice"]  # notice = 一次性告知单
    printed: bool  # True: submitted and (as far as the printer says) done
    destination: str  # printer name, or the folder the PDF landed in
    pdf_path: Path | None  # the file when a PDF-folder printer or an explicit path was used
    message: str  # translated sentence for the user, e.g. "回执已打印" / "打印机缺纸；业务已记录，可重打"


@dataclass(frozen=True)
class RecordOutcome:
    case: Case
    print: PrintOutcome


@dataclass(frozen=True)
class CaseSummary:
    """One row of today's cases: clear metadata only, readable while locked, no personal data."""

    case_no: str
    matter: str
    matter_name: str
    line: str
    status: CaseStatus
    status_label: str  # "已受理" / "材料待补" / "已撤回"
    staff_id: str
    staff_name: str
    site: str
    day: date
    created_at: datetime
    updated_at: datetime
    version: int
    awaiting_reprint: bool  # its last paper did not print


@dataclass(frozen=True)
class TrainingCard:
    """A clearly fictional resident of the simulated reader (training mode)."""

    key: str
    label: str  # e.g. "培训：张三丰（82岁）"


@dataclass(frozen=True)
class CardEvent:
    """From the card reader, delivered on the reader's thread: use ``App.call_from_thread``.

    On "inserted" the service has already read the holder: ``resident`` is set, or
    ``error`` says why it could not be read (typed entry is always possible).
    """

    kind: Literal["inserted", "removed", "error"]
    resident: Resident | None = field(default=None, repr=False)
    error: StationError | None = None


@dataclass(frozen=True)
class StationStatus:
    """Everything the status bar shows; cheap to call every second."""

    station_name: str
    reader: Literal["ok", "card", "training", "none", "error"]
    reader_label: str  # translated, e.g. "读卡器就绪" / "培训模式（模拟读卡器）"
    training: bool
    printer: Literal["ok", "busy", "stopped", "offline", "pdf_folder", "error"]
    printer_label: str  # translated; for pdf_folder it names the folder
    print_folder: Path | None
    online: bool
    online_label: str
    pending: int  # records waiting to sync
    awaiting_reprint: int  # cases whose last paper did not print
    locked: bool
    staff: StaffMember | None  # the unlocked staff member
    site: str | None  # today's outing site
    idle_lock_minutes: int


# --------------------------------------------------------------------------- the façade


class Service:
    """One station: its configuration, queue, reader and printer.

    Build it with ``open_service()`` (the composition root picks the hardware), or
    pass fakes for tests: ``Service(reader=FakeReader(), printer=FakePrinter())``.
    """

    def __init__(
        self,
        *,
        reader: object | None = None,
        printer: object | None = None,
        clock: Callable[[], datetime] | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self._lock = threading.RLock()
        raise NotImplementedError

    # ---- first run, staff, lock ------------------------------------------------

    @property
    def initialised(self) -> bool:
        """False on a fresh machine: the TUI shows the first-run screen."""
        raise NotImplementedError

    def known_sites(self) -> list[str]:
        """Sites offered on the first-run screen (from the catalogue data); staff may type others."""
        raise NotImplementedError

    def initialise(self, *, name: str, sites: Iterable[str], staff_name: str,
                   passphrase: str, locale: str = "zh_CN") -> StaffMember:
        """Create configuration + queue + the first staff slot, and leave that member unlocked.

        Raises ``StationError`` (``service.already_initialised``, ``service.name_empty``,
        ``service.sites_empty``, ``service.passphrase_short``)."""
        raise NotImplementedError

    def staff(self) -> list[StaffMember]:
        """For the unlock screen's name picker (works locked)."""
        raise NotImplementedError

    def add_staff(self, name: str, passphrase: str) -> StaffMember:
        """Needs an unlocked station (a colleague vouches for the newcomer). Slow (Argon2id)."""
        raise NotImplementedError

    @property
    def locked(self) -> bool:
        raise NotImplementedError

    @property
    def current_staff(self) -> StaffMember | None:
        raise NotImplementedError

    def unlock(self, staff_id: str, passphrase: str) -> StaffMember:
        """Slow (Argon2id + back-off after failures). Raises ``UnlockError`` on a wrong passphrase."""
        raise NotImplementedError

    def lock(self) -> None:
        """Drop the data key; personal data is unreadable until the next unlock."""
        raise NotImplementedError

    def touch(self) -> None:
        """Call on every key press / click: resets the idle timer."""
        raise NotImplementedError

    def lock_if_idle(self) -> bool:
        """Call every few seconds; locks after ``idle_lock_minutes`` without ``touch``.
        Returns True when it just locked (the TUI then hides personal data)."""
        raise NotImplementedError

    @property
    def idle_lock_minutes(self) -> int:
        raise NotImplementedError

    def set_idle_lock_minutes(self, minutes: int) -> None:
        raise NotImplementedError

    # ---- outing ----------------------------------------------------------------

    def sites(self) -> list[str]:
        """The station's configured sites (choices for today's outing)."""
        raise NotImplementedError

    def current_outing(self) -> Outing | None:
        """Today's outing, or None when staff must choose the site and staff on duty first."""
        raise NotImplementedError

    def start_outing(self, site: str, staff_ids: Iterable[str]) -> Outing:
        """Set today's site and staff on duty (replaces an earlier choice for today).
        A site not configured yet is added to the station's sites."""
        raise NotImplementedError

    # ---- the resident ------------------------------------------------------------

    def check_id(self, text: str) -> ResidentId:
        """Live validation of a typed ID number; raises ``IdNumberError`` (its ``message()``
        is the inline error to show, e.g. the expected check digit)."""
        raise NotImplementedError

    def resident(self, id_text: str, name: str) -> Resident:
        """A resident from typed entry (ID validated, name required: ``intake.name_empty``)."""
        raise NotImplementedError

    def resident_hints(self, resident: Resident) -> list[str]:
        """Translated hints for the resident panel, e.g. "80 岁以上，可预约上门服务"."""
        raise NotImplementedError

    def read_card(self) -> Resident:
        """Read the card now in the reader (blocking, ~100–300 ms). Raises a ``StationError``
        from the reader (no reader, no card, not a social-security card, …)."""
        raise NotImplementedError

    def watch_cards(self, on_event: Callable[[CardEvent], None]) -> Callable[[], None]:
        """Subscribe to card insert/remove; returns the unsubscribe function.
        ``on_event`` is called on the reader's thread."""
        raise NotImplementedError

    def training_cards(self) -> list[TrainingCard]:
        """Fictional residents of the simulated reader; empty with a real reader."""
        raise NotImplementedError

    def insert_training_card(self, key: str | None) -> None:
        """Simulated reader only: insert that card (None removes it); events follow as for a real one."""
        raise NotImplementedError

    def agent(self, id_text: str, relation: str, name: str = "") -> Agent:
        """帮办代办: validates the agent's ID and that a relation is given."""
        raise NotImplementedError

    # ---- matters -----------------------------------------------------------------

    def lines(self) -> list[Choice]:
        """The 8 lines (条线): value = line code, label = its name."""
        raise NotImplementedError

    def menus(self) -> list[Choice]:
        """The five population menus (老年人 / 中年人 / 青年人 / 妇女 / 儿童)."""
        raise NotImplementedError

    def search_matters(self, query: str = "", *, line: str | None = None,
                       menu: str | None = None) -> list[MatterSummary]:
        """Chinese text, pinyin initials ("jlk") or code ("MZ01"); best match first.
        Empty query lists every matter (of the line / menu)."""
        raise NotImplementedError

    def matter_guide(self, code: str, resident: Resident | None = None) -> MatterGuide:
        """办事样本: materials, form fields, eligibility for this resident, delivery choices."""
        raise NotImplementedError

    def validate_field(self, code: str, key: str, value: str) -> str | None:
        """Inline check of one form field; returns the translated error or None."""
        raise NotImplementedError

    def missing_materials(self, code: str, ticked: Iterable[str]) -> list[MaterialView]:
        """Required materials not ticked: non-empty means the case will be 材料待补."""
        raise NotImplementedError

    # ---- cases -------------------------------------------------------------------

    def validate(self, draft: CaseDraft) -> list[StationError]:
        """Every problem with the draft (empty list = recordable), for showing them all at once."""
        raise NotImplementedError

    def record_case(self, draft: CaseDraft) -> RecordOutcome:
        """Validate (raises the first error, nothing stored), append to the queue, then print
        the receipt — or the 一次性告知单 when materials are missing (status 材料待补).
        Needs an unlocked station and today's outing (``service.no_outing``)."""
        raise NotImplementedError

    def rate(self, case_no: str, rating: int | None) -> None:
        """好差评 1–5 after the case is recorded; None = the resident skipped (nothing stored)."""
        raise NotImplementedError

    def today_cases(self, day: date | None = None, *, status: CaseStatus | None = None,
                    matter: str | None = None, line: str | None = None,
                    staff_id: str | None = None) -> list[CaseSummary]:
        """Cases of a day (default today), newest first; clear metadata only (works locked)."""
        raise NotImplementedError

    def open_case(self, case_no: str) -> Case:
        """The full case (audited as a read of personal data). Raises ``LockedError`` when locked,
        ``service.case_unknown`` when there is no such case."""
        raise NotImplementedError

    def case_history(self, case_no: str) -> list[Case]:
        """Every version, oldest first (amendments, withdrawal, rating)."""
        raise NotImplementedError

    def reprint(self, case_no: str, *, pdf: Path | None = None) -> PrintOutcome:
        """Render the case's current paper again and print it (or write it to ``pdf``)."""
        raise NotImplementedError

    def amend(self, case_no: str, *, reason: str, answers: Mapping[str, str] | None = None,
              materials: Iterable[str] | None = None, delivery: Delivery | None = None,
              agent: Agent | None | Literal[False] = False) -> RecordOutcome:
        """New version of the case (reason required: ``intake.reason_empty``); validated like
        a new case. If it changes the status (e.g. the missing materials arrived), the new
        paper prints. ``agent=False`` keeps the agent, ``None`` removes it."""
        raise NotImplementedError

    def withdraw(self, case_no: str, *, reason: str) -> Case:
        """New version with status 已撤回 (reason required)."""
        raise NotImplementedError

    def awaiting_reprint(self) -> list[str]:
        """Case numbers whose last paper did not print."""
        raise NotImplementedError

    # ---- status bar ------------------------------------------------------------

    def status(self) -> StationStatus:
        raise NotImplementedError

    def close(self) -> None:
        """Lock, stop watching the reader, close the queue."""
        raise NotImplementedError


def open_service() -> Service:
    """Composition root: the PC/SC reader if one is present, else the simulated reader
    (training); the CUPS default printer if any, else the PDF-folder printer."""
    raise NotImplementedError
