"""The values the service façade hands out: small frozen dataclasses, labels translated.

Why a module of their own: the façade (``station.service``), the catalogue adapter
(``station.matters``) and the CLI all build or read them, and none of those should
import the others just for a type. ``station.service`` re-exports every name here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Literal

from shared.errors import StationError
from station.cases.model import Case, CaseStatus, Resident

# --------------------------------------------------------------------------- errors


class LockedError(StationError):
    """Personal data asked for while no staff member is unlocked (key ``service.locked``)."""

    def __init__(self) -> None:
        super().__init__("service.locked")


class NotInitialisedError(StationError):
    """No configuration yet: show the first-run screen (``service.not_initialised``)."""

    def __init__(self) -> None:
        super().__init__("service.not_initialised")


class UnlockError(StationError):
    """Wrong passphrase, or unlocking paused after too many. ``failures`` counts consecutive
    failures for that staff slot; ``delay_s`` is how long the next attempt will be held back
    (the TUI may show a countdown)."""

    def __init__(self, failures: int, delay_s: float, *, paused: bool = False) -> None:
        self.failures = failures
        self.delay_s = delay_s
        self.paused = paused
        key = ("service.unlock_paused" if paused else
               "service.unlock_failed" if delay_s >= 1 else "service.unlock_wrong")
        super().__init__(key, failures=failures, delay=max(0, round(delay_s)))


# --------------------------------------------------------------------------- views


@dataclass(frozen=True)
class StaffMember:
    id: str  # stable slot id, e.g. "s01" (goes into clear metadata; the name does not)
    name: str


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
    # Needed only when this field (or "delivery") has one of these answers; None: always.
    condition: tuple[str, tuple[str, ...]] | None = None

    def applies(self, answers: Mapping[str, str], delivery: str | None = None) -> bool:
        """Whether the resident must bring it, given the answers so far."""
        if not self.required:
            return False
        if self.condition is None:
            return True
        key, values = self.condition
        current = delivery if key == "delivery" else answers.get(key, "")
        return (current or "").strip() in values


@dataclass(frozen=True)
class FieldView:
    """A form field as the TUI should render it; ``validate_field`` checks one value live."""

    key: str
    label: str
    # the catalogue's field types (station.catalogue.model.FIELD_TYPES)
    kind: Literal["text", "date", "phone", "money", "number", "integer", "choice", "id_number",
                  "bool"]
    required: bool
    choices: tuple[Choice, ...] = ()  # for kind == "choice"
    hint: str = ""  # placeholder / example text
    max_length: int | None = None
    default: str = ""  # the catalogue's normal answer, preselected; "" = staff must choose


@dataclass(frozen=True)
class Eligibility:
    ok: bool  # False only on a definite failure (e.g. age from the ID number)
    reason: str = ""  # translated sentence(s) when not ok
    to_confirm: tuple[str, ...] = ()  # conditions staff must ask the resident about
    review: bool = False  # the rule is marked "to be confirmed" in the catalogue


@dataclass(frozen=True)
class MatterGuide:
    """办事指南 for one matter and (optionally) one resident."""

    matter: MatterSummary
    materials: tuple[MaterialView, ...]
    fields: tuple[FieldView, ...]
    eligibility: Eligibility | None  # None when no resident was given
    deliveries: tuple[Choice, ...]  # allowed ways the result reaches the resident, default first
    due_date: date | None  # today + time limit in working days (None for 即办 = today)
    notes: str = ""  # extra guidance from the catalogue
    due_estimated: bool = False  # due_date counted through a year with no published notice


@dataclass(frozen=True)
class PrintOutcome:
    """What happened to a paper. A failed print never loses the case: ``reprint`` redoes it."""

    document: Literal["receipt", "notice"]  # notice = 一次性告知单
    printed: bool  # True: submitted and (as far as the printer says) done
    destination: str  # printer name, or the folder the PDF landed in
    pdf_path: Path | None  # the file when a PDF-folder printer or an explicit path was used
    message: str  # translated sentence for the user, e.g. "受理回执已打印"


@dataclass(frozen=True)
class RecordOutcome:
    case: Case
    print: PrintOutcome | None  # None: an amendment that did not change the paper


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
    pending: int  # records waiting to sync (every version, visits and audit too)
    pending_cases: int  # cases whose latest version waits: the report's pending + sent
    awaiting_reprint: int  # cases whose last paper did not print
    locked: bool
    staff: StaffMember | None  # the unlocked staff member
    site: str | None  # today's outing site
    idle_lock_minutes: int
    sync_error: str = ""  # the last sync run's problem in words (empty when fine / not enrolled)




@dataclass(frozen=True)
class CentreStatus:
    """The centre's answer on a case, as pulled at the last sync (受理 / 审批中 / 办结 /
    退回). `note` and `needed` come from the sealed part and may name the resident:
    shown to unlocked staff only."""

    status: str  # accepted | reviewing | done | returned
    label: str
    at: str
    note: str = field(default="", repr=False)
    needed: tuple[str, ...] = ()  # material names still to bring (退回)
