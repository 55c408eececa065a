"""Resident ID numbers: the key that ties a case to a person.

Staff type numbers while an elderly resident waits, so every way a number can
be wrong gets its own sentence (and the expected check digit when only that is
off). Covers the 18-digit resident identity card (GB 11643-1999), its 15-digit
predecessor, the residence permits for Hong Kong, Macau and Taiwan residents
(same layout, regions 810000 / 820000 / 830000) and the 2017 foreigner permanent
residence card (leading 9, same birth-date and check-digit positions).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Literal

from station.errors import StationError

Kind = Literal["resident", "hk_macau", "taiwan", "foreign_permanent"]
Reason = Literal["empty", "length", "chars", "date", "future", "region", "check"]

_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))  # 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2
_CHECK_CHARS = "10X98765432"

# Province-level codes of GB/T 2260 (first two digits of a mainland region code).
_PROVINCES = frozenset(
    {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
     50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71}
)
_PERMIT_REGIONS: dict[str, Kind] = {"810000": "hk_macau", "820000": "hk_macau", "830000": "taiwan"}


class IdNumberError(StationError):
    """Why a typed or read number is not a valid ID number; never carries the number itself."""

    def __init__(self, reason: Reason, **params: object) -> None:
        self.reason = reason
        super().__init__(f"identity.{reason}", **params)


@dataclass(frozen=True)
class ResidentId:
    number: str
    kind: Kind
    birth_date: date
    sex: Literal["M", "F"]

    def age(self, on: date | None = None) -> int:
        """Whole years on ``on``; born on 29 Feb → a year older on 1 Mar in common years."""
        on = on or date.today()
        before_birthday = (on.month, on.day) < (self.birth_date.month, self.birth_date.day)
        return on.year - self.birth_date.year - before_birthday

    @property
    def masked(self) -> str:
        return mask_id(self.number)


def check_char(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character over the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def normalise(text: str) -> str:
    """Accept what staff actually type: full-width digits, spaces, dashes, a lower-case x."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in text if not ch.isspace() and ch != "-").upper()


def _birth_date(digits: str) -> date:
    try:
        return date(int(digits[0:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise IdNumberError("date") from None


def _kind_of(number: str) -> Kind:
    if number[0] == "9":
        return "foreign_permanent"
    if number[:6] in _PERMIT_REGIONS:
        return _PERMIT_REGIONS[number[:6]]
    if int(number[:2]) not in _PROVINCES:
        raise IdNumberError("region")
    return "resident"


def upgrade_15(number15: str) -> str:
    """The 18-digit form of a legacy 15-digit number (born 19xx, check digit appended)."""
    first17 = number15[:6] + "19" + number15[6:]
    return first17 + check_char(first17)


def parse_id(text: str, on: date | None = None) -> ResidentId:
    """Validate and decode an ID number; ``on`` is "today" for the not-in-the-future rule."""
    number = normalise(text or "")
    if not number:
        raise IdNumberError("empty")
    if len(number) not in (15, 18):
        raise IdNumberError("length", length=len(number))
    body = number[:17] if len(number) == 18 else number
    last_ok = len(number) == 15 or number[17].isdigit() or number[17] == "X"
    if not body.isdigit() or not last_ok:
        raise IdNumberError("chars")
    if len(number) == 15:
        number = upgrade_15(number)
    kind = _kind_of(number)
    birth = _birth_date(number[6:14])
    if birth > (on or date.today()) or birth.year < 1890:
        raise IdNumberError("future" if birth.year >= 1890 else "date")
    expected = check_char(number[:17])
    if number[17] != expected:
        raise IdNumberError("check", expected=expected)
    sex: Literal["M", "F"] = "M" if int(number[16]) % 2 else "F"
    return ResidentId(number=number, kind=kind, birth_date=birth, sex=sex)


def mask_id(number: str) -> str:
    """Keep the region (6) and the last four; the birth date and sequence are hidden."""
    number = normalise(number)
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]
