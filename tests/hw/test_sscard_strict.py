"""The reader against a card that answers as ISO/IEC 7816-4 and the public readers say.

In process, no daemon: `vcard.CardModel` is the card (the same model runs behind pcscd in
test_hw_pcsc.py). The expected APDUs below are copied from public reader code, not from
our reader: docs/HARDWARE.md names each source.
"""

from __future__ import annotations

from datetime import date

import pytest

from station.hw import sscard
from station.hw.errors import CardFieldError
from tests.hw.vcard import CardHolder, CardModel, Misbehaviour

TODAY = date(2026, 11, 22)
SELECT_SSSE = "00A404000F7378312E73682EC9E7BBE1B1A3D5CF"


def apdu(hexstr: str, card: CardModel) -> tuple[str, str]:
    data, sw = card.transmit(bytes.fromhex(hexstr))
    return data.hex().upper(), f"{sw:04X}"


@pytest.fixture
def card() -> CardModel:
    model = CardModel(CardHolder())
    assert apdu(SELECT_SSSE, model)[1] == "9000"
    return model


# -- the card model keeps ISO 7816-4's READ RECORD rules ------------------------------


def test_identifier_and_number_reach_the_same_record(card):
    assert apdu("00A4020002EF06", card)[1] == "9000"
    name = "09" + "1E" + "测试卡甲".encode("gbk").ljust(30, b"\0").hex().upper()
    assert apdu("00B2090020", card) == (name, "9000")  # P2=00: identifier 09
    assert apdu("00B2020420", card) == (name, "9000")  # P2=04: record number 2
    # record *number* 9 does not exist in a six-record file
    assert apdu("00B2090420", card) == ("", "6A83")
    assert apdu("00B2070400", card) == ("", "6A83")


@pytest.mark.parametrize("p2", ["01", "02", "03", "05", "06", "07"])
def test_other_p2_modes_are_refused(card, p2):
    apdu("00A4020002EF06", card)
    assert apdu(f"00B209{p2}20", card) == ("", "6A86")


def test_wrong_le_gets_the_right_length(card):
    apdu("00A4020002EF06", card)
    assert apdu("00B2080010", card) == ("", "6C14")  # 18-byte value + tag + length
    assert apdu("00B2080000", card) == ("", "6C14")
    data, sw = apdu("00B2080014", card)
    assert sw == "9000" and bytes.fromhex(data) == b"\x08\x12" + b"11010519491231002X"


def test_no_current_ef_and_short_ef_ids(card):
    assert apdu("00B2080014", card) == ("", "6986")
    # the sources' short-EF-id reads: EF05 = SFI 5 (P2 2C), EF06 = SFI 6 (P2 34)
    data, sw = apdu("00B2072C0B", card)
    assert sw == "9000" and bytes.fromhex(data)[2:] == b"T00000001"
    data, sw = apdu("00B2013414", card)
    assert sw == "9000" and bytes.fromhex(data)[2:] == b"11010519491231002X"
    assert apdu("00B2013C14", card) == ("", "6A82")  # SFI 7: no such file


def test_ef06_record_order_is_the_sources(card):
    apdu("00A4020002EF06", card)
    lengths = {0x08: 18, 0x09: 30, 0x0A: 1, 0x0B: 1, 0x0C: 3, 0x0D: 4}
    for number, tag in enumerate(lengths, start=1):
        data, sw = apdu(f"00B20{number}04{lengths[tag] + 2:02X}", card)
        assert sw == "9000" and bytes.fromhex(data)[0] == tag


# -- the reader -------------------------------------------------------------------------

# The full sequence public readers send (EF05 01..07 and EF06 08..0D by identifier, with
# the Le each source uses).
PUBLIC_SEQUENCE = [
    SELECT_SSSE, "00A4020002EF05",
    "00B2010012", "00B2020003", "00B2030006", "00B204000E", "00B2050006", "00B2060006",
    "00B207000B",
    "00A4020002EF06",
    "00B2080014", "00B2090020", "00B20A0003", "00B20B0003", "00B20C0005", "00B20D0006",
]


class Logged(CardModel):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.log: list[tuple[str, str]] = []

    def transmit(self, apdu: bytes) -> tuple[bytes, int]:
        data, sw = super().transmit(apdu)
        self.log.append((apdu.hex().upper(), f"{sw:04X}"))
        return data, sw


def test_reader_sends_what_public_readers_send():
    card = Logged(CardHolder())
    _, holder, _ = sscard.read_card(card.transmit, TODAY)
    assert [a for a, _ in card.log] == PUBLIC_SEQUENCE
    assert all(sw == "9000" for _, sw in card.log)
    assert holder.name == "测试卡甲"
    assert holder.resident_id.number == "11010519491231002X"


def test_card_refusing_identifiers_is_read_by_number():
    card = Logged(CardHolder(), Misbehaviour.NO_RECORD_ID)
    card_info, holder, _ = sscard.read_card(card.transmit, TODAY)
    assert holder.name == "测试卡甲" and holder.resident_id.number == "11010519491231002X"
    assert holder.sex == "F" and holder.birth_date == date(1949, 12, 31)
    assert card_info.card_number == "T00000001"
    reads = [a for a, _ in card.log if a[2:4] == "B2"]
    assert reads[0] == "00B2010012" and card.log[2][1] == "6A86"  # one refusal, then numbers
    by_number = [(int(a[4:6], 16), a[6:8]) for a in reads[1:]]
    assert by_number == [(n, "04") for n in range(1, 8)] + [(n, "04") for n in range(1, 7)]


class Reordered(CardHolder):
    """EF06 in another order (one public reader reads sex as record 4 on 2nd-gen cards)."""

    def ef06(self):
        records = super().ef06()
        order = (0x08, 0x09, 0x0B, 0x0A, 0x0C, 0x0D)
        return {tag: records[tag] for tag in order}


def test_fallback_files_each_record_under_its_own_tag():
    _, holder, _ = sscard.read_card(
        CardModel(Reordered(sex="1", ethnicity=3), Misbehaviour.NO_RECORD_ID).transmit, TODAY)
    assert holder.sex == "M" and holder.ethnicity_code == "03"
    assert holder.name == "测试卡甲"


def test_identifier_read_does_not_depend_on_order():
    _, holder, _ = sscard.read_card(CardModel(Reordered(sex="1", ethnicity=3)).transmit, TODAY)
    assert holder.sex == "M" and holder.ethnicity_code == "03"


def test_fallback_still_checks_every_record():
    with pytest.raises(CardFieldError) as err:
        sscard.read_card(CardModel(CardHolder(), Misbehaviour.SHORT_RECORD).transmit, TODAY)
    assert err.value.record == 0x09
    model = CardModel(CardHolder(), Misbehaviour.NO_RECORD_ID)

    def short_name(apdu: bytes) -> tuple[bytes, int]:
        data, sw = model.transmit(apdu)
        if apdu[1] == 0xB2 and data[:1] == b"\x09":
            return data[:6], sw
        return data, sw

    with pytest.raises(CardFieldError) as err:
        sscard.read_card(short_name, TODAY)
    assert err.value.record == 0x09 and err.value.problem == "malformed"


@pytest.mark.parametrize("refusal", [0x6A86, 0x6A81, 0x6981, 0x6B00, 0x6A83])
def test_every_way_of_refusing_identifiers_falls_back(refusal):
    """6A86 / 6A81 / 6981 / 6B00 say "not this addressing"; 6A83 for every identifier of
    a file says the card only counts records."""
    model = CardModel(CardHolder())

    def transmit(apdu: bytes) -> tuple[bytes, int]:
        if apdu[1] == 0xB2 and apdu[3] & 0x07 == sscard.BY_IDENTIFIER:
            return b"", refusal
        return model.transmit(apdu)

    card_info, holder, _ = sscard.read_card(transmit, TODAY)
    assert holder.resident_id.number == "11010519491231002X" and holder.name == "测试卡甲"
    assert card_info.expiry_date == date(2034, 1, 15)
