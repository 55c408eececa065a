"""The MOHRSS social-security card (社会保障卡) on the wire: APDUs, TLVs, decoding.

Why separate from PC/SC: the same read sequence runs over any ``transmit``
(pyscard, the emulated card in tests, a fake), and the decoding is unit-tested
without a daemon.

Why by record identifier: EF05 (the card's data) and EF06 (the holder's) are record
files whose records are SIMPLE-TLV objects, and ISO/IEC 7816-4 lets the tag serve as
the record's identifier. Public readers read ``00 B2 <tag> 00 <Le>`` (P2 = 00: first
record with identifier P1), which does not depend on where a record sits in its file.
Record *numbers* count from 1 within each file: EF06's name is record 2, not 9. Cards
that refuse identifiers (6A86 / 6A81 / 6981 …) are read by number instead, and every
answer is still filed under the tag it carries. Sources for every APDU and field:
docs/HARDWARE.md, "The social-security card".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from station.hw.errors import (
    CardCommError,
    CardFieldError,
    CardIdInvalid,
    CardPinBlocked,
    CardPinRequired,
    NotSocialSecurityCard,
)
from station.hw.ports import CardHolder, CardInfo

SSSE_AID = "sx1.sh.社会保障".encode("gbk")  # 73 78 31 2E 73 68 2E C9 E7 BB E1 B1 A3 D5 CF
EF_CARD, EF_HOLDER = 0xEF05, 0xEF06

# record tag -> value size, in the files' record order (EF05: records 1..7, EF06: 1..6)
CARD_RECORDS = {0x01: 16, 0x02: 1, 0x03: 4, 0x04: 12, 0x05: 4, 0x06: 4, 0x07: 9}
HOLDER_RECORDS = {0x08: 18, 0x09: 30, 0x0A: 1, 0x0B: 1, 0x0C: 3, 0x0D: 4}
REQUIRED = {0x06, 0x07, 0x08, 0x09}
NAME_ENCODING = "gb18030"  # GB 18030 is a superset of GBK: rare characters (生僻字) too

# READ RECORD P2, bits b3-b1 (ISO/IEC 7816-4:2005 §7.3.3); b8-b4 = 0: the current EF
BY_IDENTIFIER, BY_NUMBER = 0x00, 0x04
# "this addressing is not for me": wrong P1-P2, function not supported, incompatible
# with the file structure (ISO/IEC 7816-4 status words, as OpenSC's iso7816.c names them)
_REFUSED = {0x6A86, 0x6A81, 0x6981, 0x6B00, 0x6A00}
_ABSENT = {0x6A83, 0x6A82}
_MAX_RECORDS = 16  # a by-number scan stops here even if a card never says 6A83

Transmit = Callable[[bytes], tuple[bytes, int]]  # apdu -> (data, status word)


@dataclass(frozen=True)
class RawRecords:
    card: dict[int, bytes]
    holder: dict[int, bytes]


# -- APDUs ------------------------------------------------------------------------


def select_aid(aid: bytes = SSSE_AID) -> bytes:
    return bytes([0x00, 0xA4, 0x04, 0x00, len(aid)]) + aid


def select_ef(fid: int) -> bytes:
    return bytes([0x00, 0xA4, 0x02, 0x00, 0x02]) + fid.to_bytes(2, "big")


def read_record(p1: int, le: int, mode: int = BY_IDENTIFIER) -> bytes:
    """READ RECORD in the current EF: P1 is a record identifier (the tag) or, with
    ``mode=BY_NUMBER``, a record number counted from 1 within the file."""
    return bytes([0x00, 0xB2, p1, mode, le & 0xFF])


def _is_pin_status(sw: int) -> bool:
    return sw == 0x6982 or (sw & 0xFFF0) == 0x63C0


def _check(sw: int) -> None:
    if sw == 0x9000:
        return
    if sw == 0x6983:
        raise CardPinBlocked()
    if _is_pin_status(sw):
        raise CardPinRequired()
    raise CardCommError(code=f"{sw:04X}")


def exchange(transmit: Transmit, apdu: bytes) -> tuple[bytes, int]:
    """Send one APDU, following 61xx (GET RESPONSE) and 6Cxx (wrong Le) as T=0 needs."""
    data, sw = transmit(apdu)
    for _ in range(4):
        if sw >> 8 == 0x6C and len(apdu) == 5:
            apdu = apdu[:4] + bytes([sw & 0xFF])
            data, sw = transmit(apdu)
        elif sw >> 8 == 0x61:
            more, sw = transmit(bytes([0x00, 0xC0, 0x00, 0x00, sw & 0xFF]))
            data += more
        else:
            break
    return data, sw


class _Refused(Exception):
    """The card does not take record identifiers: read by record number instead."""


def _read_by_identifier(transmit: Transmit, records: dict[int, int]) -> dict[int, bytes]:
    values: dict[int, bytes] = {}
    for tag, size in records.items():
        data, sw = exchange(transmit, read_record(tag, size + 2))
        if sw in _REFUSED:
            raise _Refused()
        if sw in _ABSENT:
            continue  # absent; whether that matters is decided when decoding
        _check(sw)
        values[tag] = parse_tlv(tag, data)
    if not values:
        raise _Refused()  # not one identifier known: a card that only counts records
    return values


def _read_by_number(transmit: Transmit, records: dict[int, int]) -> dict[int, bytes]:
    """Records 1, 2, … until the card has none left; each filed under its own tag, so a
    card whose order differs from the sources' still yields the right fields."""
    sizes = list(records.values())
    values: dict[int, bytes] = {}
    for number in range(1, _MAX_RECORDS + 1):
        if values.keys() >= records.keys():
            break
        le = sizes[number - 1] + 2 if number <= len(sizes) else 0
        data, sw = exchange(transmit, read_record(number, le, BY_NUMBER))
        if sw in _ABSENT:
            break
        _check(sw)
        tag = data[0] if data else None
        if tag in records and tag not in values:  # other records: not ours to read
            values[tag] = parse_tlv(tag, data)
    return values


def read_records(transmit: Transmit) -> RawRecords:
    """Select the application and both files, and read every record's TLV value."""
    _, sw = exchange(transmit, select_aid())
    if sw != 0x9000:
        if _is_pin_status(sw):
            raise CardPinRequired()
        raise NotSocialSecurityCard()
    files: list[dict[int, bytes]] = []
    by_identifier = True
    for fid, records in ((EF_CARD, CARD_RECORDS), (EF_HOLDER, HOLDER_RECORDS)):
        _, sw = exchange(transmit, select_ef(fid))
        if sw in (0x6A82, 0x6A81):
            raise NotSocialSecurityCard()
        _check(sw)
        values: dict[int, bytes] | None = None
        if by_identifier:
            try:
                values = _read_by_identifier(transmit, records)
            except _Refused:
                by_identifier = False  # the same card will refuse it for EF06 too
        if values is None:
            values = _read_by_number(transmit, records)
        files.append(values)
    return RawRecords(card=files[0], holder=files[1])


# -- decoding ---------------------------------------------------------------------


def parse_tlv(tag: int, data: bytes) -> bytes:
    """The value of one record's ``tag, length, value``; trailing bytes are ignored."""
    if len(data) < 2 or data[0] != tag:
        raise CardFieldError(tag, "malformed")
    length = data[1]
    if length > 0x7F or len(data) < 2 + length:
        raise CardFieldError(tag, "malformed")
    return data[2 : 2 + length]


def strip_padding(value: bytes) -> bytes:
    return value.rstrip(b"\x00").rstrip(b"\xff").rstrip(b" ")


def decode_text(tag: int, value: bytes, encoding: str = "ascii") -> str:
    try:
        text = strip_padding(value).decode(encoding)
    except UnicodeDecodeError:
        raise CardFieldError(tag, "malformed") from None
    if any(not ch.isprintable() for ch in text):
        raise CardFieldError(tag, "malformed")
    return text.strip()


def decode_bcd(tag: int, value: bytes) -> str:
    digits = value.hex()
    if not digits.isdigit():
        raise CardFieldError(tag, "malformed")
    return digits


def decode_bcd_field(tag: int, value: bytes) -> str | None:
    """A BCD code (ethnicity, birthplace); trailing FF pads a short one, all zeros = not set."""
    value = value.rstrip(b"\xff")
    if not value.strip(b"\x00"):
        return None
    return decode_bcd(tag, value)


def informative_text(tag: int, value: bytes) -> str:
    """Card type, spec version, issuer: shown for support only, so a value in a form the
    sources do not describe is kept as hex instead of failing the whole read."""
    try:
        return decode_text(tag, value)
    except CardFieldError:
        return value.hex().upper()


def decode_date(tag: int, value: bytes) -> date | None:
    """BCD YYYYMMDD; all zeros means "not set"."""
    if not strip_padding(value):
        return None
    digits = decode_bcd(tag, value)
    if len(digits) != 8:
        raise CardFieldError(tag, "malformed")
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        raise CardFieldError(tag, "malformed") from None


def _required(values: dict[int, bytes], tag: int) -> bytes:
    value = values.get(tag)
    if value is None or not strip_padding(value):
        raise CardFieldError(tag, "missing")
    return value


def decode_card(values: dict[int, bytes]) -> CardInfo:
    for tag in REQUIRED & CARD_RECORDS.keys():
        _required(values, tag)
    return CardInfo(
        card_id=values.get(0x01, b"").hex().upper(),
        card_type=informative_text(0x02, values.get(0x02, b"")),
        spec_version=informative_text(0x03, values.get(0x03, b"")),
        issuer=informative_text(0x04, values.get(0x04, b"")),
        issue_date=decode_date(0x05, values.get(0x05, b"")),
        expiry_date=decode_date(0x06, values[0x06]),
        card_number=decode_text(0x07, values[0x07]),
    )


_SEX = {"1": "M", "2": "F"}


def decode_holder(values: dict[int, bytes], today: date | None = None) -> CardHolder:
    from station.people import IdNumberError, parse_id

    number = decode_text(0x08, _required(values, 0x08))
    try:
        resident = parse_id(number, on=today)
    except IdNumberError as err:
        raise CardIdInvalid(err) from None
    name = decode_text(0x09, _required(values, 0x09), NAME_ENCODING)
    if not name:
        raise CardFieldError(0x09, "missing")
    sex_raw = decode_text(0x0A, values.get(0x0A, b""))
    return CardHolder(
        resident_id=resident,
        name=name,
        sex=_SEX.get(sex_raw),
        ethnicity_code=decode_bcd_field(0x0B, values.get(0x0B, b"")),
        birthplace_code=decode_bcd_field(0x0C, values.get(0x0C, b"")),
        birth_date=decode_date(0x0D, values.get(0x0D, b"")) or resident.birth_date,
    )


def warnings_for(card: CardInfo, today: date) -> tuple[str, ...]:
    """Readable but worth saying: an expired card still identifies its holder."""
    if card.expiry_date is not None and card.expiry_date < today:
        return ("hw.card_expired",)
    return ()


def read_card(transmit: Transmit, today: date | None = None) -> tuple[CardInfo, CardHolder,
                                                                     tuple[str, ...]]:
    today = today or date.today()
    raw = read_records(transmit)
    card = decode_card(raw.card)
    holder = decode_holder(raw.holder, today)
    return card, holder, warnings_for(card, today)
