"""The card reader through the real pcscd + vpcd, with the emulated card.

Every test runs against an isolated pcscd (see conftest.py); pyscard goes through
the real daemon, so these are the same calls a street laptop makes.
"""

from __future__ import annotations

import os
import threading
import time
from datetime import date

import pytest

from station.hw.errors import (
    CardFieldError,
    CardIdInvalid,
    CardPinBlocked,
    CardPinRequired,
    CardRemovedError,
    CardServiceError,
    NoCardError,
    NoReaderError,
    NotSocialSecurityCard,
    ReaderGoneError,
)
from station.hw.ports import CardEventKind, CardReader
from tests.hw.rig import insert_and_wait
from tests.hw.vcard import CardHolder, Misbehaviour, VirtualCard


def test_pcscd_lists_both_vpcd_readers(pcscd, reader, reader_names):
    assert isinstance(reader, CardReader)
    assert all(name.startswith("Station Test PCD") for name in reader_names)
    assert not reader.card_present()
    # The daemon loads the driver this run asked for (test_event_driver.py asks for "event").
    wanted = os.environ.get("STATION_TEST_READER_DRIVER", "vpcd")
    assert pcscd.driver == wanted
    assert pcscd.library.name == {"vpcd": "libifdvpcd.so", "event": "libifdeventvpcd.so"}[wanted]
    assert f"LIBPATH {pcscd.library}" in (pcscd.confdir / "vpcd").read_text()


def test_reads_the_holder_through_the_daemon(reader, reader_names, card):
    insert_and_wait(card, reader, reader_names[0])
    assert reader.card_present(reader_names[0])
    result = reader.read()  # picks the reader with a card
    assert result.reader == reader_names[0]
    assert result.holder.name == "测试卡甲"
    assert result.holder.resident_id.number == "11010519491231002X"
    assert result.holder.masked_id == "110105********002X"
    assert result.card.expiry_date == date(2034, 1, 15)
    assert not result.expired and not result.simulated
    # the card saw the real sequence: SELECT AID, EF05, 7 records, EF06, 6 records
    assert card.apdu_log[0][:5] == bytes.fromhex("00A404000F")
    assert sum(1 for a in card.apdu_log if a[1] == 0xB2) == 13


def test_strict_card_is_read_by_record_identifier(reader, reader_names, card):
    """The card answers READ RECORD as ISO 7816-4 says (record *numbers* in EF06 run 1..6),
    so a reader asking for record number 8 (the tag) would find nothing."""
    insert_and_wait(card, reader, reader_names[0])
    result = reader.read(reader_names[0])
    assert result.holder.name == "测试卡甲"
    assert result.holder.resident_id.number == "11010519491231002X"
    assert result.holder.sex == "F" and result.holder.birth_date == date(1949, 12, 31)
    reads = [a for a in card.apdu_log if a[1] == 0xB2]
    assert [(a[2], a[3]) for a in reads] == [(tag, 0x00) for tag in range(0x01, 0x0E)]
    assert bytes.fromhex("00B2080014") in reads and bytes.fromhex("00B2090020") in reads


def test_card_refusing_identifiers_is_read_by_number(reader, reader_names, card):
    card.misbehaviour = Misbehaviour.NO_RECORD_ID
    insert_and_wait(card, reader, reader_names[0])
    result = reader.read(reader_names[0])
    assert result.holder.name == "测试卡甲"
    assert result.holder.resident_id.number == "11010519491231002X"
    assert result.card.card_number == "T00000001"
    reads = [a for a in card.apdu_log if a[1] == 0xB2]
    assert reads[0][3] == 0x00  # asked by identifier once, refused with 6A86
    assert [(a[2], a[3]) for a in reads[1:]] == (
        [(n, 0x04) for n in range(1, 8)] + [(n, 0x04) for n in range(1, 7)])


def test_gb18030_name_outside_gbk(reader, reader_names, card):
    card.holder = CardHolder(name="𠀀测试")  # U+20000: GB 18030 four bytes 95 32 82 36
    insert_and_wait(card, reader, reader_names[0])
    assert bytes.fromhex("95328236") in card.holder.ef06()[0x09]
    assert reader.read(reader_names[0]).holder.name == "𠀀测试"


@pytest.mark.parametrize("mis", [Misbehaviour.PIN, Misbehaviour.PIN_TRIES])
def test_pin_card_gets_words_not_codes(reader, reader_names, card, mis):
    from shared.i18n import t

    card.misbehaviour = mis
    insert_and_wait(card, reader, reader_names[0])
    with pytest.raises(CardPinRequired) as err:
        reader.read(reader_names[0])
    text = err.value.message()
    assert text == t("hw.card_pin") and "密码" in text and "手工录入" in text
    assert "6982" not in text and "63C" not in text


def test_second_slot_reads_its_own_card(pcscd, reader, reader_names):
    other = VirtualCard(pcscd.port + 1, CardHolder(name="测试卡乙",
                                                   id_number="310104200001010041"))
    try:
        insert_and_wait(other, reader, reader_names[1])
        result = reader.read(reader_names[1])
        assert result.holder.name == "测试卡乙"
        with pytest.raises(NoCardError):
            reader.read(reader_names[0])
    finally:
        other.remove()
        assert reader.wait_for(reader_names[1], False, timeout=60)


def test_no_card_is_typed(reader, reader_names):
    with pytest.raises(NoCardError):
        reader.read()


def test_unknown_reader_is_reader_gone(reader, reader_names):
    with pytest.raises(ReaderGoneError):
        reader.read("Unplugged Reader 00 00")


def test_expired_card_reads_with_warning(reader, reader_names, card):
    card.holder = CardHolder(expiry_date=date(2021, 3, 1))
    insert_and_wait(card, reader, reader_names[0])
    result = reader.read(reader_names[0])
    assert result.expired and result.warnings == ("hw.card_expired",)


def test_bad_check_digit_on_card(reader, reader_names, card):
    card.holder = CardHolder(id_number="110105194912310021")
    insert_and_wait(card, reader, reader_names[0])
    with pytest.raises(CardIdInvalid):
        reader.read(reader_names[0])


@pytest.mark.parametrize(
    ("mis", "error"),
    [
        (Misbehaviour.WRONG_AID, NotSocialSecurityCard),
        (Misbehaviour.SHORT_RECORD, CardFieldError),
        (Misbehaviour.GARBAGE_TLV, CardFieldError),
        (Misbehaviour.PIN, CardPinRequired),
        (Misbehaviour.PIN_TRIES, CardPinRequired),
        (Misbehaviour.PIN_BLOCKED, CardPinBlocked),
        (Misbehaviour.DISCONNECT, CardRemovedError),
    ],
)
def test_misbehaviour_through_the_daemon(reader, reader_names, card, mis, error):
    card.misbehaviour = mis
    insert_and_wait(card, reader, reader_names[0])
    with pytest.raises(error) as err:
        reader.read(reader_names[0])
    text = err.value.message()
    assert text and "测试卡甲" not in text and "11010519491231002X" not in text


def test_insert_and_remove_events(reader, reader_names, card):
    events = []
    seen = threading.Event()

    def listener(event):
        events.append(event)
        seen.set()

    unsubscribe = reader.subscribe(listener)
    try:
        time.sleep(0.2)
        events.clear()
        seen.clear()
        card.insert()
        assert seen.wait(60), "no insert event"
        assert events[-1].kind is CardEventKind.INSERTED
        assert events[-1].reader == reader_names[0]
        assert reader.read(events[-1].reader).holder.name == "测试卡甲"
        seen.clear()
        card.remove()
        assert seen.wait(60), "no remove event"
        assert events[-1].kind is CardEventKind.REMOVED
    finally:
        unsubscribe()


def test_quick_reinsert_still_reads(reader, reader_names, card):
    """A card put back before pcscd saw it leave must not fail as 'unpowered'."""
    insert_and_wait(card, reader, reader_names[0])
    card.remove()
    card.insert()
    deadline = time.monotonic() + 60  # a last guard: loaded machines are slow
    while True:
        try:
            assert reader.read(reader_names[0]).holder.name == "测试卡甲"
            break
        except (NoCardError, CardRemovedError):
            # pcscd may report the removal first: the station then waits for the insert
            assert time.monotonic() < deadline
            reader.wait_for(reader_names[0], True, timeout=1)


def test_unplugged_reader(pcscd, reader, reader_names, card):
    """pcscd restarted without vpcd in its reader.conf.d = the USB plug pulled."""
    insert_and_wait(card, reader, reader_names[0])
    pcscd.set_plugged(False)
    try:
        deadline = time.monotonic() + 60
        while reader.readers() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert reader.readers() == []
        with pytest.raises(ReaderGoneError):
            reader.read(reader_names[0])  # the reader the UI last saw
        with pytest.raises(NoReaderError) as err:
            reader.read()
        assert "读卡器" in err.value.message()
        assert not reader.card_present()
    finally:
        card.remove()
        pcscd.set_plugged(True)
        deadline = time.monotonic() + 60
        while len(reader.readers()) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
    assert len(reader.readers()) == 2


def test_daemon_down_is_typed_then_recovers(pcscd, reader, card):
    """Last in this module: stops and restarts the session's pcscd. Events come back for
    a subscription made before the outage (pyscard's monitor thread dies with pcscd)."""
    events = []
    seen = threading.Event()
    unsubscribe = reader.subscribe(lambda e: (events.append(e), seen.set()))
    try:
        pcscd.stop()
        with pytest.raises(CardServiceError) as err:
            reader.readers()
        assert "pcscd" in err.value.message()
        pcscd.start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                names = reader.readers()  # the status bar's poll; revives the monitor
                break
            except CardServiceError:
                time.sleep(0.2)
        assert len(names) == 2
        time.sleep(0.3)
        seen.clear()
        card.port = pcscd.port
        card.insert()
        assert seen.wait(60), "no event after pcscd came back"
        assert events[-1].kind is CardEventKind.INSERTED
    finally:
        unsubscribe()
