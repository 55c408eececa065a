"""TLV / BCD / GB18030 decoding and the read sequence, without a daemon.

The emulated card's APDU handler (`vcard.CardModel`, written from ISO/IEC 7816-4 and
public reader code, see docs/HARDWARE.md) is the ``transmit`` here; the same card runs
behind the real pcscd in test_hw_pcsc.py.
"""

from __future__ import annotations

from datetime import date

import pytest

from station.hw import sscard
from station.hw.errors import (
    CardCommError,
    CardFieldError,
    CardIdInvalid,
    CardPinBlocked,
    CardPinRequired,
    NotSocialSecurityCard,
)
from tests.hw.vcard import CardHolder, CardModel, Misbehaviour

TODAY = date(2026, 11, 22)


def read(holder: CardHolder | None = None, mis: Misbehaviour = Misbehaviour.NONE):
    card = CardModel(holder or CardHolder(), mis)
    return sscard.read_card(card.transmit, TODAY)


def test_aid_is_the_gbk_name():
    assert sscard.SSSE_AID.hex().upper() == "7378312E73682EC9E7BBE1B1A3D5CF"
    assert sscard.select_aid() == bytes.fromhex("00A404000F7378312E73682EC9E7BBE1B1A3D5CF")
    assert sscard.select_ef(0xEF06) == bytes.fromhex("00A4020002EF06")
    # the public readers' name read (a7082633/HDOS_VC6: "00B2090020"), and by number
    assert sscard.read_record(0x09, 32) == bytes.fromhex("00B2090020")
    assert sscard.read_record(2, 32, sscard.BY_NUMBER) == bytes.fromhex("00B2020420")


def test_parse_tlv_and_padding():
    assert sscard.parse_tlv(0x09, bytes([0x09, 3]) + b"abc" + b"\x90") == b"abc"
    with pytest.raises(CardFieldError) as err:
        sscard.parse_tlv(0x09, bytes([0x08, 3]) + b"abc")
    assert err.value.record == 0x09 and err.value.problem == "malformed"
    with pytest.raises(CardFieldError):
        sscard.parse_tlv(0x09, bytes([0x09, 10]) + b"abc")  # shorter than announced
    with pytest.raises(CardFieldError):
        sscard.parse_tlv(0x09, b"\x09")


def test_gbk_name_with_zero_padding():
    value = "欧阳测试".encode("gbk").ljust(30, b"\x00")
    assert sscard.decode_text(0x09, value, sscard.NAME_ENCODING) == "欧阳测试"
    with pytest.raises(CardFieldError):
        sscard.decode_text(0x09, b"\xff\xfe\x81", sscard.NAME_ENCODING)


def test_gb18030_four_byte_name_decodes():
    # U+20000 𠀀 (CJK Ext B) is outside GBK; GB 18030 gives it the four bytes 95 32 82 36.
    with pytest.raises(UnicodeEncodeError):
        "𠀀".encode("gbk")
    value = (bytes.fromhex("95328236") + "测试".encode("gbk")).ljust(30, b"\x00")
    assert sscard.decode_text(0x09, value, sscard.NAME_ENCODING) == "𠀀测试"
    _, holder, _ = read(CardHolder(name="𠀀测试"))
    assert holder.name == "𠀀测试"


def test_bcd_codes_padded_with_ff():
    # hiquotion_cpp strips trailing "FF" from the birthplace it reads
    assert sscard.decode_bcd_field(0x0C, bytes.fromhex("3101FF")) == "3101"
    assert sscard.decode_bcd_field(0x0C, bytes.fromhex("310100")) == "310100"
    assert sscard.decode_bcd_field(0x0B, b"\x00") is None
    with pytest.raises(CardFieldError):
        sscard.decode_bcd_field(0x0C, bytes.fromhex("31AB00"))


def test_bcd_dates():
    assert sscard.decode_date(0x0D, bytes.fromhex("19491231")) == date(1949, 12, 31)
    assert sscard.decode_date(0x06, b"\x00\x00\x00\x00") is None
    with pytest.raises(CardFieldError):
        sscard.decode_date(0x0D, bytes.fromhex("19491332"))  # month 13
    with pytest.raises(CardFieldError):
        sscard.decode_date(0x0D, b"\x19\x49\x12\x3a")  # not BCD


def test_read_decodes_every_field():
    card, holder, warnings = read()
    assert card.card_number == "T00000001"
    assert card.card_type == "3" and card.spec_version == "3.00"
    assert card.issue_date == date(2024, 1, 15) and card.expiry_date == date(2034, 1, 15)
    assert card.card_id == "310000D15600000500000000000000AA"
    assert holder.name == "测试卡甲"
    assert holder.resident_id.number == "11010519491231002X"
    assert holder.masked_id == "110105********002X"
    assert holder.sex == "F" and holder.ethnicity_code == "01"
    assert holder.birthplace_code == "110105" and holder.birth_date == date(1949, 12, 31)
    assert warnings == ()


def test_repr_leaks_nothing_personal():
    card, holder, _ = read()
    text = repr(card) + repr(holder)
    for secret in ("测试卡甲", "11010519491231002X", "T00000001", "110105"):
        assert secret not in text


def test_expired_card_warns_but_reads():
    _, holder, warnings = read(CardHolder(expiry_date=date(2020, 1, 1)))
    assert warnings == ("hw.card_expired",)
    assert holder.name == "测试卡甲"


def test_bad_check_digit_is_typed():
    with pytest.raises(CardIdInvalid) as err:
        read(CardHolder(id_number="110105194912310021"))
    assert err.value.reason == "check"
    assert "110105194912310021" not in str(err.value)
    assert "110105194912310021" not in err.value.message()


@pytest.mark.parametrize(
    ("mis", "error"),
    [
        (Misbehaviour.WRONG_AID, NotSocialSecurityCard),
        (Misbehaviour.SHORT_RECORD, CardFieldError),
        (Misbehaviour.GARBAGE_TLV, CardFieldError),
        (Misbehaviour.PIN, CardPinRequired),
        (Misbehaviour.PIN_TRIES, CardPinRequired),
        (Misbehaviour.PIN_BLOCKED, CardPinBlocked),
    ],
)
def test_misbehaving_cards_raise_typed_errors(mis, error):
    with pytest.raises(error) as err:
        read(mis=mis)
    assert err.value.message()  # every error has words


def test_missing_name_record_is_missing_field():
    class NoName(CardHolder):
        def ef06(self):
            records = super().ef06()
            del records[0x09]
            return records

    with pytest.raises(CardFieldError) as err:
        read(NoName())
    assert err.value.record == 0x09 and err.value.problem == "missing"
    assert "姓名" in err.value.message()


def test_wrong_le_and_get_response_are_followed():
    calls: list[bytes] = []
    payload = bytes([0x08, 18]) + b"11010519491231002X"

    def transmit(apdu: bytes) -> tuple[bytes, int]:
        calls.append(apdu)
        if apdu[1] == 0xB2 and apdu[4] != len(payload):
            return b"", 0x6C00 | len(payload)
        if apdu[1] == 0xB2:
            return b"", 0x6100 | len(payload)
        if apdu[1] == 0xC0:
            return payload, 0x9000
        return b"", 0x9000

    data, sw = sscard.exchange(transmit, sscard.read_record(0x08, 0))
    assert sw == 0x9000 and data == payload
    assert [c[1] for c in calls] == [0xB2, 0xB2, 0xC0]


def test_unknown_status_word_has_words_and_a_code():
    def transmit(apdu: bytes) -> tuple[bytes, int]:
        if apdu[1] == 0xA4:
            return b"", 0x9000
        return b"", 0x6F00

    with pytest.raises(CardCommError) as err:
        sscard.read_card(transmit, TODAY)
    assert "6F00" in err.value.message()
