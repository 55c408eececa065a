"""The resident ID card's (二代证) 256-byte text block, decoded into the station's card read.

Why decoded here and not in the serial adapter: the layout is fixed by the card
(GA 467-2013, and the same offsets in every public reader cited in docs/HARDWARE.md),
so it is tested on its own and the adapter only moves bytes. UCS-2LE text, each field
padded with spaces (some readers pad with NULs):

    name 30 | sex 2 | ethnicity 4 | birth 16 | address 70 | ID number 36 |
    authority 30 | valid from 16 | valid to 16 ("长期" for no end) | reserved 36

The photo (1024 bytes, a proprietary wavelet format) is neither decoded nor kept:
the caller drops it with the frame.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from shared.errors import StationError
from station.hw.errors import CardIdInvalid, IdCardFieldError
from station.hw.ports import CardHolder, CardInfo, CardRead
from station.people import parse_id

# (name, offset, length) in bytes.
FIELDS: tuple[tuple[str, int, int], ...] = (
    ("name", 0, 30),
    ("sex", 30, 2),
    ("ethnicity", 32, 4),
    ("birth", 36, 16),
    ("address", 52, 70),
    ("id_number", 122, 36),
    ("authority", 158, 30),
    ("valid_from", 188, 16),
    ("valid_to", 204, 16),
    ("reserved", 220, 36),
)
TEXT_LEN = 256
LONG_TERM = "长期"

# GB/T 3304-1991 《中国各民族名称的罗马字母拼写法和代码》, numeric codes 01–56,
# 97 其他, 98 外国血统中国籍人士.
ETHNICITIES: dict[str, str] = {
    "01": "汉族", "02": "蒙古族", "03": "回族", "04": "藏族", "05": "维吾尔族",
    "06": "苗族", "07": "彝族", "08": "壮族", "09": "布依族", "10": "朝鲜族",
    "11": "满族", "12": "侗族", "13": "瑶族", "14": "白族", "15": "土家族",
    "16": "哈尼族", "17": "哈萨克族", "18": "傣族", "19": "黎族", "20": "傈僳族",
    "21": "佤族", "22": "畲族", "23": "高山族", "24": "拉祜族", "25": "水族",
    "26": "东乡族", "27": "纳西族", "28": "景颇族", "29": "柯尔克孜族", "30": "土族",
    "31": "达斡尔族", "32": "仫佬族", "33": "羌族", "34": "布朗族", "35": "撒拉族",
    "36": "毛南族", "37": "仡佬族", "38": "锡伯族", "39": "阿昌族", "40": "普米族",
    "41": "塔吉克族", "42": "怒族", "43": "乌孜别克族", "44": "俄罗斯族", "45": "鄂温克族",
    "46": "德昂族", "47": "保安族", "48": "裕固族", "49": "京族", "50": "塔塔尔族",
    "51": "独龙族", "52": "鄂伦春族", "53": "赫哲族", "54": "门巴族", "55": "珞巴族",
    "56": "基诺族", "97": "其他", "98": "外国血统中国籍人士",
}


def ethnicity_name(code: str | None) -> str | None:
    return ETHNICITIES.get(code or "")


@dataclass(frozen=True)
class IdCardText:
    """The decoded text block; everything personal stays out of repr."""

    name: str = field(repr=False)
    sex: str | None  # "M" | "F" | None (GB/T 2261.1: 1 男, 2 女; 0 / 9 not stated)
    ethnicity_code: str | None
    birth_date: date = field(repr=False)
    address: str = field(repr=False)
    id_number: str = field(repr=False)
    authority: str
    valid_from: date | None
    valid_to: date | None  # None = 长期 (no end)

    @property
    def ethnicity(self) -> str | None:
        return ethnicity_name(self.ethnicity_code)


def split_fields(block: bytes) -> dict[str, str]:
    if len(block) != TEXT_LEN:
        raise IdCardFieldError("block", "malformed")
    out = {}
    for name, offset, length in FIELDS:
        raw = block[offset:offset + length]
        try:
            text = raw.decode("utf-16-le")
        except UnicodeDecodeError:
            raise IdCardFieldError(name, "malformed") from None
        out[name] = text.replace("\x00", " ").strip()
    return out


def _date(name: str, text: str) -> date:
    if len(text) != 8 or not text.isdigit() or not text.isascii():
        raise IdCardFieldError(name, "malformed")
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        raise IdCardFieldError(name, "malformed") from None


def decode_text(block: bytes, today: date) -> IdCardText:
    """Strict: every field a resident is served by must be there and well-formed."""
    f = split_fields(block)
    for required in ("name", "birth", "id_number", "valid_from", "valid_to"):
        if not f[required]:
            raise IdCardFieldError(required, "missing")
    sex = {"1": "M", "2": "F"}.get(f["sex"])
    if f["sex"] not in ("0", "1", "2", "9", ""):
        raise IdCardFieldError("sex", "malformed")
    ethnicity = f["ethnicity"] or None
    if ethnicity is not None and ethnicity not in ETHNICITIES:
        raise IdCardFieldError("ethnicity", "malformed")
    birth = _date("birth", f["birth"])
    valid_from = _date("valid_from", f["valid_from"])
    valid_to = None if f["valid_to"] == LONG_TERM else _date("valid_to", f["valid_to"])
    try:
        rid = parse_id(f["id_number"], on=today)
    except StationError as err:
        raise CardIdInvalid(err) from None
    if rid.birth_date != birth:
        raise IdCardFieldError("birth", "malformed")
    return IdCardText(name=f["name"], sex=sex, ethnicity_code=ethnicity, birth_date=birth,
                      address=f["address"], id_number=rid.number, authority=f["authority"],
                      valid_from=valid_from, valid_to=valid_to)


def card_read(block: bytes, reader: str, today: date) -> CardRead:
    """The station's card read from a text block (an expired card still identifies)."""
    text = decode_text(block, today)
    rid = parse_id(text.id_number, on=today)
    card = CardInfo(card_id="", card_type="idcard", spec_version="", issuer=text.authority,
                    issue_date=text.valid_from, expiry_date=text.valid_to,
                    card_number=text.id_number)
    holder = CardHolder(resident_id=rid, name=text.name, sex=text.sex or rid.sex,
                        ethnicity_code=text.ethnicity_code, birthplace_code=rid.number[:6],
                        birth_date=text.birth_date)
    expired = text.valid_to is not None and text.valid_to < today
    return CardRead(reader=reader, card=card, holder=holder,
                    warnings=("idcard.expired",) if expired else (), kind="idcard",
                    address=text.address)
