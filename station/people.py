"""Resident ID numbers: the key that ties a case to a person.

Staff type numbers while an elderly resident waits, so every way a number can
be wrong gets its own sentence (and the expected check digit when only that is
off). Covers:

- the 18-digit resident identity card (GB 11643-1999) and its 15-digit predecessor
  (GB 11643-1989), which is upgraded to 18 digits;
- the residence permits for Hong Kong, Macau and Taiwan residents (same layout,
  regions 810000 / 820000 / 830000);
- the foreigner permanent residence card (外国人永久居留身份证) in both numberings
  still in use, because the 2017 card stays valid after the new one was issued:
  - 2023 edition, issued from 2023-12-01: 18 characters — 9, a 2-digit province
    code where it was issued (受理地), the 3-digit ISO 3166-1 numeric code of the
    nationality, the birth date YYYYMMDD, a 3-digit sequence (odd = male) and the
    MOD 11-2 check character of GB 11643. Source: 国家移民管理局《新版外国人永久居留
    身份证机读信息规则》(2023), https://www.nia.gov.cn/20231013/2.pdf, reproduced at
    http://www.eastcoms.com/service/pro/840.html ("由 15 位（3 位拉丁字母+12 位数字）
    调整为 18 位…首位设置为“9”…采用 MOD11-2 算法设置为校验码").
  - 2017 edition: 15 characters — the nationality as 3 Latin letters (the same
    notice: the letter code "代表国家和地区", turned into the numeric code in 2023;
    checked here against ISO 3166-1 alpha-3 via pycountry), a 4-digit issuing-place
    code, the birth date YYMMDD, a 1-digit sequence and a check character. The
    positions after the letters are not in the notice; they come from two public
    implementations that agree: howardli/CredentialKit
    src/main/java/com/xiahaimoyu/credentialkit/processor/
    ForeignerPermanentResidenceIdNumberProcessor.java (3 + 4 + 6 + 1 + 1) and a
    reader front-end's rule comment ("国家地区代码3、地址码4、出生日期6、顺序码1、
    校验码1"). No public source defines the check character's algorithm or whether
    the sequence digit carries the sex, so neither is checked or decoded: sex is
    None for this card, and staff read it off the card.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

import pycountry

from shared.errors import StationError

Kind = Literal["resident", "hk_macau", "taiwan", "foreign_permanent"]
Reason = Literal["empty", "length", "chars", "date", "future", "region", "check", "nationality"]

_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))  # 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2
_CHECK_CHARS = "10X98765432"

# Province-level codes of GB/T 2260 (first two digits of a mainland region code).
_PROVINCES = frozenset(
    {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
     50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71}
)
_PERMIT_REGIONS: dict[str, Kind] = {"810000": "hk_macau", "820000": "hk_macau", "830000": "taiwan"}
_FOREIGN_2017_RE = re.compile(r"^[A-Z]{3}\d{12}$")
# The 2017 card was issued until the 2023 card replaced it (国家移民管理局, from 2023-12-01), so
# a holder was born by then; a two-digit year is read in the latest century that allows it.
_LAST_2017_ISSUE = date(2023, 11, 30)
_BIRTH_POSITIONS = "7–14"
_BIRTH_POSITIONS_2017 = "8–13"


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
    sex: Literal["M", "F"] | None  # None: the 2017 foreigner card does not say (see above)

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
        raise IdNumberError("date", positions=_BIRTH_POSITIONS) from None


def _kind_of(number: str) -> Kind:
    if number[0] == "9":
        # 2023 card: 受理地 is a province code, the nationality an ISO 3166-1 numeric code.
        if int(number[1:3]) not in _PROVINCES:
            raise IdNumberError("region")
        if pycountry.countries.get(numeric=number[3:6]) is None:
            raise IdNumberError("nationality")
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
    if len(number) == 15 and number[:3].isalpha():
        return _parse_foreign_2017(number, on or date.today())
    body = number[:17] if len(number) == 18 else number
    last_ok = len(number) == 15 or number[17].isdigit() or number[17] == "X"
    if not body.isdigit() or not last_ok:
        raise IdNumberError("chars")
    if len(number) == 15:
        number = upgrade_15(number)
    kind = _kind_of(number)
    birth = _birth_date(number[6:14])
    if birth > (on or date.today()) or birth.year < 1890:
        raise IdNumberError("future" if birth.year >= 1890 else "date",
                            positions=_BIRTH_POSITIONS)
    expected = check_char(number[:17])
    if number[17] != expected:
        raise IdNumberError("check", expected=expected)
    sex: Literal["M", "F"] = "M" if int(number[16]) % 2 else "F"
    return ResidentId(number=number, kind=kind, birth_date=birth, sex=sex)


def _parse_foreign_2017(number: str, on: date) -> ResidentId:
    """The 15-character 2017 foreigner card: letters, issuing place, YYMMDD, sequence, check."""
    if not _FOREIGN_2017_RE.match(number):
        raise IdNumberError("chars")
    if pycountry.countries.get(alpha_3=number[:3]) is None:
        raise IdNumberError("nationality")
    if int(number[3:5]) not in _PROVINCES:
        raise IdNumberError("region")
    yy, mm, dd = int(number[7:9]), int(number[9:11]), int(number[11:13])
    latest = min(on, _LAST_2017_ISSUE)
    birth = None
    for century in (2000, 1900):
        try:
            candidate = date(century + yy, mm, dd)
        except ValueError:
            continue  # 29 Feb exists in one century and not the other (1900, 2000)
        if candidate <= latest:
            birth = candidate
            break
    if birth is None:
        bad_date = not any(_is_date(c + yy, mm, dd) for c in (1900, 2000))
        raise IdNumberError("date" if bad_date else "future", positions=_BIRTH_POSITIONS_2017)
    return ResidentId(number=number, kind="foreign_permanent", birth_date=birth, sex=None)


def _is_date(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def mask_name(name: str) -> str:
    """A name for lists on a screen others can see: the first and (for three characters
    or more) the last character kept, the rest starred — 李*星, 王*, 欧**娜."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_id(number: str) -> str:
    """Hide the birth date and sequence: keep the region (6) and the last four, or on the
    2017 foreigner card, whose last four hold part of the birth date, the nationality and
    issuing place (7) and the last two."""
    number = normalise(number)
    if len(number) <= 10:
        return "*" * len(number)
    if len(number) == 15 and number[:3].isalpha():
        return number[:7] + "*" * 6 + number[-2:]
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


# ------------------------------------------------------------------ the people of a case


@dataclass(frozen=True)
class Resident:
    """The person served. ``repr`` hides the name and number so a stray log line leaks nothing."""

    id: ResidentId = field(repr=False)
    name: str = field(repr=False)
    source: Literal["card", "training", "typed"] = "typed"  # training = simulated reader
    warnings: tuple[str, ...] = ()  # message keys from the card read, e.g. "hw.card_expired"
    address: str = field(default="", repr=False)  # 身份证 only: 户籍地址, pre-fills visits
    card_kind: str = ""  # "sscard" | "idcard" when read from a card

    @property
    def masked_id(self) -> str:
        return self.id.masked

    def age(self, on: date | None = None) -> int:
        return self.id.age(on)


@dataclass(frozen=True)
class Agent:
    """帮办代办: someone applying for the resident; their ID is checked like the resident's."""

    id: ResidentId = field(repr=False)
    relation: str
    name: str = field(default="", repr=False)
