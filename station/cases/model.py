"""A case as the desk records it: who, what, with which papers, and what happens next.

Why only the shapes here: a case is validated against the catalogue
(``station.cases.validation``) and written to the queue (``station.cases.codec``);
this module holds what both of them, the desk and the screens share — the draft,
the recorded case, its statuses and delivery choices — and depends on nothing but
the people (``station.people``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from station.people import Agent, Resident

Delivery = Literal["centre", "visit", "post"]
DELIVERIES: tuple[Delivery, ...] = ("centre", "visit", "post")

# accepted = 已受理; materials_pending = 材料待补; withdrawn = 已撤回
CaseStatus = Literal["accepted", "materials_pending", "withdrawn"]
STATUSES: tuple[CaseStatus, ...] = ("accepted", "materials_pending", "withdrawn")

CASE_KIND = "case"  # the queue record kind of every case version


@dataclass(frozen=True)
class CaseDraft:
    """What the desk gathered before "record"; the service adds site, staff and date."""

    resident: Resident
    matter: str  # catalogue code, e.g. "MZ01"
    answers: Mapping[str, str] = field(default_factory=dict, repr=False)  # form field key → text
    materials: frozenset[str] = frozenset()  # material codes ticked as handed in
    agent: Agent | None = None
    delivery: Delivery | None = None  # None → the matter's default way
    visit: str = ""  # the home-visit appointment this case is served on (station.visits)
    # Why staff went on despite a duplicate warning (station.cases.duplicates); encrypted.
    duplicate_reason: str = field(default="", repr=False)


@dataclass(frozen=True)
class Case:
    """One recorded case at its latest version (decrypted: only while unlocked)."""

    case_no: str  # what the resident quotes, e.g. "KTQBMR-261122-003"
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
    visit: str = ""  # appointment id when recorded on a home visit
    duplicate_reason: str = field(default="", repr=False)  # see CaseDraft
    # The resident's key to the centre's progress page (/q/<token>, printed in the
    # receipt's QR): random, 160 bits, so it cannot be guessed the way a case number
    # can. It travels only inside the sealed copy; the centre keeps its SHA-256.
    progress_token: str = field(default="", repr=False)


PROGRESS_TOKEN_BYTES = 20  # secrets.token_urlsafe: 160 bits (≥ 128, OWASP session-id entropy)


def new_progress_token() -> str:
    import secrets

    return secrets.token_urlsafe(PROGRESS_TOKEN_BYTES)
