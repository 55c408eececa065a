"""The 身份证 through the station's façade: card events → resident, misbehaviour → a message
and the station carries on, and nothing from the card outside the encrypted queue."""

from __future__ import annotations

import dataclasses
import json
import queue
import sqlite3

import pytest

from station import paths
from station.doctor import run_checks
from station.hw.diagnostics import idcard_checks
from station.hw.fakes import FakePrinter
from station.hw.idreader import SerialIdCardReader
from station.service import CaseDraft
from tests.hw.idreader_emu import EmulatedIdReader, photo_bytes
from tests.hw.test_idcard_serial import ABDULLAH, EXPIRED, WANG
from tests.support.station import Clock, make_service, open_outing


@pytest.fixture
def emu():
    reader = EmulatedIdReader()
    yield reader
    reader.close()


@pytest.fixture
def service(emu):
    svc = open_outing(make_service(FakePrinter(), Clock(),
                                   SerialIdCardReader(emu.port)))  # type: ignore[arg-type]
    yield svc
    svc.close()


def _next(events: queue.Queue, kind: str):
    while True:
        event = events.get(timeout=60)
        if event.kind == kind:
            return event


def test_card_events_give_the_resident_then_errors_then_the_resident_again(service, emu):
    events: queue.Queue = queue.Queue()
    service.watch_cards(events.put)
    emu.place(WANG)
    resident = _next(events, "inserted").resident
    assert resident.name == "王芳" and resident.id.number == WANG.id_number
    assert resident.card_kind == "idcard" and resident.source == "card"
    assert resident.address == WANG.address  # the 户籍地址, for the visit form
    assert "信息来自身份证" in service.resident_hints(resident)
    emu.remove()
    _next(events, "removed")
    # card pulled away mid-read: a message, and the reader keeps polling
    emu.misbehave.remove_before = "read"
    emu.place(ABDULLAH)
    failed = _next(events, "error")
    assert "没有读完就被拿开" in failed.error.message()
    _next(events, "removed")  # the poller sees the field empty …
    emu.place(ABDULLAH)  # … and the card placed again
    again = _next(events, "inserted").resident
    assert again.name == "阿卜杜拉·买买提" and again.id.number.endswith("X")


def test_expired_card_still_identifies_with_a_warning(service, emu):
    emu.place(EXPIRED)
    resident = service.read_card()
    assert resident.name == "李建国" and resident.warnings == ("idcard.expired",)
    hints = service.resident_hints(resident)
    assert any("已过有效期" in h and "仍可用于确认本人身份" in h for h in hints)


def test_card_data_reaches_only_the_encrypted_queue(service, emu):
    emu.place(WANG)
    resident = service.read_card()
    guide = service.matter_guide("MZ01", resident)
    draft = CaseDraft(resident=resident, matter="MZ01",
                      answers={"phone": "13812345678", "payout": "社保卡（敬老卡）"},
                      materials=frozenset(m.code for m in guide.materials if m.required),
                      delivery="centre")
    outcome = service.record_case(draft)
    assert outcome.case.resident.name == WANG.name
    service.visits.book(id_number=resident.id.number, name=resident.name,
                        address="新成村 12号 3单元 402室", phone="13912345678",
                        matters_=["MZ01"])
    service.close()
    db = sqlite3.connect(paths.queue_file())
    metas = [json.loads(m) for (m,) in db.execute("SELECT meta FROM records")]
    db.close()
    secrets = [WANG.name, WANG.id_number, WANG.address, "南京东路街道"]
    assert metas
    for m in metas:
        assert not any(s in json.dumps(m, ensure_ascii=False) for s in secrets)
    raw = b"".join(p.read_bytes() for p in paths.data_dir().rglob("*") if p.is_file())
    for s in secrets:
        for encoding in ("utf-8", "utf-16-le", "gbk"):
            assert s.encode(encoding, "ignore") not in raw
    assert photo_bytes()[:64] not in raw  # the photo never stored
    for f in list(paths.data_dir().rglob("*")) + list(paths.config_dir().rglob("*")):
        assert not any(s in f.name for s in secrets)


def test_doctor_shows_the_reader_and_whether_a_card_is_on_it(emu, monkeypatch):
    reader = SerialIdCardReader(emu.port)
    try:
        checks = idcard_checks(reader)
        assert [c.status for c in checks] == ["ok", "ok"]
        assert emu.port in checks[0].detail and "没有证件" in checks[1].detail
        emu.place(WANG)
        checks = idcard_checks(reader)
        assert "有证件" in checks[1].detail
        assert WANG.name not in " ".join(c.detail for c in checks)
    finally:
        reader.close()
    from station import config

    cfg = dataclasses.replace(_config(), idcard_port=emu.port)
    config.save(cfg)
    emu.remove()
    doctor = {c.name: c for c in run_checks()}
    assert emu.port in doctor["idcard_reader"].detail
    assert doctor["idcard_card"].status == "ok"


def _config():
    from station.config import StationConfig

    return StationConfig(station_id="ABCDEF", name="厅", sites=["新成村"])
