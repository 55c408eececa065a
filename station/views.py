"""The values the service façade hands out: small frozen dataclasses, labels translated.

Why a module of their own: the façade (``station.service``), its services and the
CLI all build or read them, and none of those should import the others just for a
type. ``station.service`` re-exports every name here, with the catalogue's rows
(``station.catalogue.views``), the errors (``station.errors``) and ``PrintOutcome``
(``station.printout``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Literal

from shared.errors import StationError
from station.cases.model import Case, CaseStatus
from station.people import Resident
from station.printout import PrintOutcome

# --------------------------------------------------------------------------- views


@dataclass(frozen=True)
class StaffMember:
    id: str  # stable slot id, e.g. "s01" (goes into clear metadata; the name does not)
    name: str


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
