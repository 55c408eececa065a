"""What an appointment is, and which status changes make sense on the doorstep."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, time
from typing import Literal

from shared.errors import StationError
from station.visits.address import Address
from station.visits.address import parse_address as parse_address  # callers import the model

HalfDay = Literal["am", "pm"]
Status = Literal["requested", "scheduled", "visited", "no_show", "cancelled", "rescheduled"]
Reason = Literal["age80", "disability", "approved"]

ACTIVE: frozenset[str] = frozenset({"requested", "scheduled", "rescheduled"})
BOOKED: frozenset[str] = frozenset({"scheduled", "rescheduled"})

# A no-show may be tried again; visited and cancelled are final.
TRANSITIONS: dict[str, frozenset[str]] = {
    "requested": frozenset({"scheduled", "cancelled"}),
    "scheduled": frozenset({"visited", "no_show", "cancelled", "rescheduled"}),
    "rescheduled": frozenset({"visited", "no_show", "cancelled", "rescheduled"}),
    "no_show": frozenset({"rescheduled", "cancelled"}),
    "visited": frozenset(),
    "cancelled": frozenset(),
}

_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0\d{2,3}\d{7,8}")
_LOCAL = re.compile(r"[2-9]\d{7}")  # an 8-digit Shanghai number without area code


class VisitError(StationError):
    """A booking or status change refused, with the reason in words."""


def normalise_phone(text: str) -> str:
    """Digits only, +86 dropped; raises when it is not a mainland mobile or landline number."""
    digits = re.sub(r"[\s\-()（）]", "", text or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    if not digits:
        raise VisitError("visits.phone_empty")
    if not digits.isdigit():
        raise VisitError("visits.phone_chars")
    if _MOBILE.fullmatch(digits) or _LANDLINE.fullmatch(digits) or _LOCAL.fullmatch(digits):
        return digits
    raise VisitError("visits.phone_invalid", length=len(digits))


def mask_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else "*" * len(phone)


@dataclass(frozen=True)
class Contact:
    name: str
    phone: str
    relation: str = ""


@dataclass(frozen=True)
class Slot:
    day: date
    half: HalfDay


@dataclass(frozen=True)
class Appointment:
    id: str
    id_number: str
    name: str
    address: Address
    phone: str
    reason: Reason
    matters: tuple[str, ...]
    status: Status = "requested"
    family: Contact | None = None
    disability_cert: str = ""
    preferred_days: tuple[date, ...] = ()
    preferred_half: HalfDay | None = None
    window: tuple[time, time] | None = None  # a narrower window the resident asked for
    slot: Slot | None = None
    team: str = ""
    cases: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())
    source: Literal["desk", "centre", "manual"] = "desk"
    approved_by: str = ""  # the supervisor who approved an "approved" reason
    outcome: str = ""  # why it was a no-show, cancelled or moved (staff's words)
    request_uid: str = ""  # the centre's request id, so a pulled request is booked once

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    def moved_to(self, status: Status, **changes) -> Appointment:
        if status not in TRANSITIONS[self.status]:
            raise VisitError("visits.bad_transition", before=self.status, after=status)
        return replace(self, status=status, **changes)
