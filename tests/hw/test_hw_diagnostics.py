"""`station doctor`'s hardware checks against the isolated daemons."""

from __future__ import annotations

from station.hw.cups_printer import CupsPrinter
from station.hw.diagnostics import hardware_checks, printer_checks, reader_checks
from tests.hw.rig import insert_and_wait
from tests.hw.vcard import CardHolder, Misbehaviour


def by_name(checks):
    return {c.name: c for c in checks}


def test_readers_and_no_card(reader, reader_names):
    checks = by_name(reader_checks(reader))
    assert checks["readers"].status == "ok"
    assert reader_names[0] in checks["readers"].detail
    assert checks["card"].status == "ok" and "没有卡" in checks["card"].detail


def test_test_read_with_a_card(reader, reader_names, card):
    insert_and_wait(card, reader, reader_names[0])
    check = by_name(reader_checks(reader))["card"]
    assert check.status == "ok" and "试读成功" in check.detail
    assert "测试卡甲" not in check.detail and "002X" not in check.detail


def test_test_read_of_a_bad_card_warns_in_words(reader, reader_names, card):
    card.misbehaviour = Misbehaviour.WRONG_AID
    insert_and_wait(card, reader, reader_names[0])
    check = by_name(reader_checks(reader))["card"]
    assert check.status == "warn" and "不是社会保障卡" in check.detail and check.hint


def test_expired_card_is_a_warning(reader, reader_names, card):
    from datetime import date

    card.holder = CardHolder(expiry_date=date(2020, 1, 1))
    insert_and_wait(card, reader, reader_names[0])
    assert by_name(reader_checks(reader))["card"].status == "warn"


def test_cups_queues_and_stopped_state(cupsd):
    printer = CupsPrinter(host="127.0.0.1", port=cupsd.port)
    cupsd.lpadmin("-d", cupsd.QUEUE)
    check = by_name(printer_checks(printer))[f"printer:{cupsd.QUEUE}"]
    assert check.status == "ok" and "默认" in check.detail
    cupsd.run_tool("cupsdisable", cupsd.QUEUE)
    check = by_name(printer_checks(printer))[f"printer:{cupsd.QUEUE}"]
    assert check.status == "warn" and "暂停" in check.detail and "cupsenable" in check.hint


def test_cups_down_is_a_warning_not_a_crash(cupsd):
    printer = CupsPrinter(host="127.0.0.1", port=cupsd.port)
    cupsd.stop()
    checks = hardware_checks(printer=printer, reader=None)
    assert by_name(checks)["cups"].status == "warn"
