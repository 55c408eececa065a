"""A case as the desk records it: who, what, with which papers, and what happens next.

Why its own module: the TUI and the CLI must record a case *exactly* the same
way (same validation, same errors), so both hand a ``CaseDraft`` to the service,
which validates it here against the catalogue. The queue payload and the clear
metadata are built here too, in one place, so a test can prove that nothing
personal ever reaches the clear columns.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from station.identity import ResidentId

Delivery = Literal["centre", "visit", "post"]
DELIVERIES: tuple[Delivery, ...] = ("centre", "visit", "post")

# accepted = 已受理; materials_pending = 材料待补; withdrawn = 已撤回
CaseStatus = Literal["accepted", "materials_pending", "withdrawn"]
STATUSES: tuple[CaseStatus, ...] = ("accepted", "materials_pending", "withdrawn")

CASE_KIND = "case"  # the queue record kind of every case version


@dataclass(frozen=True)
class Resident:
    """The person served. ``repr`` hides the name and number so a stray log line leaks nothing."""

    id: ResidentId = field(repr=False)
    name: str = field(repr=False)
    source: Literal["card", "typed"] = "typed"

    @property
    def masked_id(self) -> str:
        return self.id.masked

    def age(self, on: date | None = None) -> int:
        return self.id.age(on)


@dataclass(frozen=True)
class Agent:
    """帮办代办: someone applying on the resident's behalf; their ID is checked like the resident's."""

    id: ResidentId = field(repr=False)
    relation: str
    name: str = field(default="", repr=False)


@dataclass(frozen=True)
class CaseDraft:
    """What the desk has gathered before pressing "record"; the service adds site, staff and date."""

    resident: Resident
    matter: str  # catalogue code, e.g. "MZ01"
    answers: Mapping[str, str] = field(default_factory=dict, repr=False)  # form field key → text
    materials: frozenset[str] = frozenset()  # material codes ticked as handed in
    agent: Agent | None = None
    delivery: Delivery | None = None  # None → the matter's default way


@dataclass(frozen=True)
class Case:
    """One recorded case at its latest version (decrypted: only while unlocked)."""

    case_no: str  # what the resident quotes, e.g. "K7Q2M4-20261122-003"
    record_id: str  # the queue's record id (stable across versions)
    version: int
    status: CaseStatus
    resident: Resident = field(repr=False)
    matter: str
    answers: Mapping[str, str] = field(repr=False)
    materials: frozenset[str]
    missing: tuple[str, ...]  # material codes still to bring (材料待补 when non-empty)
    agent: Agent | None = field(repr=False)
    delivery: Delivery
    site: str
    staff_id: str
    outing_date: date
    created_at: datetime
    updated_at: datetime
    due_date: date | None  # promised date (承诺时限 in working days); None when withdrawn
    rating: int | None = None  # 好差评 1–5, None until the resident rates (or skips)
    reason: str = ""  # why the latest amendment / withdrawal was made
