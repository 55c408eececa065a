"""The 二代证 reader over a real pseudo-terminal, against the emulated reader written from
the sources (tests/hw/idreader_emu.py): frames, decoding, every misbehaviour, privacy."""

from __future__ import annotations

import logging
import os
import queue
import time
from datetime import date

import pytest
import serial

from shared.errors import StationError
from station.hw import idframe
from station.hw.combined import CombinedCardReader
from station.hw.errors import (
    IdCardRemoved,
    IdNoCard,
    IdReaderGarbled,
    IdReaderMissing,
    IdReaderNoAnswer,
)
from station.hw.fakes import FakeCardReader
from station.hw.idcard import ETHNICITIES, decode_text, ethnicity_name
from station.hw.idreader import SerialIdCardReader, find_port, probe
from station.hw.ports import CardEventKind
from tests.hw.idreader_emu import EmulatedIdReader, Resident, answer_frame, command_frame

TODAY = date(2026, 12, 7)

WANG = Resident("王芳", "2", "01", date(1944, 5, 16), "上海市黄浦区南京东路街道新成村12号402室",
                "310101194405160022", "上海市公安局黄浦分局", date(2010, 3, 1), date(2030, 3, 1))
OUYANG = Resident("欧阳明月", "2", "01", date(1986, 11, 2), "上海市浦东新区沧海路88弄5号301室",
                  "310115198611020043", "上海市公安局浦东分局", date(2016, 6, 1),
                  date(2036, 6, 1))
ABDULLAH = Resident("阿卜杜拉·买买提", "1", "05", date(1950, 3, 7),
                    "上海市徐汇区漕溪北路100弄3号", "31010419500307001X", "上海市公安局徐汇分局",
                    date(2015, 1, 1), None)
EXPIRED = Resident("李建国", "1", "01", date(1960, 8, 8), "上海市长宁区嘉乐路7号",
                   "310106196008080038", "上海市公安局长宁分局", date(2001, 8, 8),
                   date(2021, 8, 8))
RESIDENTS = (WANG, OUYANG, ABDULLAH, EXPIRED)


@pytest.fixture
def emu():
    reader = EmulatedIdReader()
    yield reader
    reader.close()


@pytest.fixture
def idreader(emu):
    reader = SerialIdCardReader(emu.port, today=lambda: TODAY)
    yield reader
    reader.close()


# -- frames, byte for byte as the sources print them -----------------------------------


def test_commands_are_the_sources_bytes():
    assert idframe.command(idframe.FIND_CARD) == bytes.fromhex("AAAAAA96690003200122")
    assert idframe.command(idframe.SELECT_CARD) == bytes.fromhex("AAAAAA96690003200221")
    assert idframe.command(idframe.READ_BASE) == bytes.fromhex("AAAAAA96690003300132")
    assert idframe.command(idframe.SAM_STATUS) == bytes.fromhex("AAAAAA96690003 11FFED")


@pytest.mark.parametrize("hexframe, sw3, data_len", [
    ("AAAAAA9669000800009F0000000097", 0x9F, 4),  # 寻找证/卡成功
    ("AAAAAA9669000400008084", 0x80, 0),  # 寻找证/卡失败
    ("AAAAAA9669000C00009000000000000000009C", 0x90, 8),  # 选取成功
    ("AAAAAA9669000400008185", 0x81, 0),  # 选取证/卡失败
    ("AAAAAA9669000400004145", 0x41, 0),  # 读证/卡操作失败
])
def test_answers_from_the_sources_parse(hexframe, sw3, data_len):
    raw = bytes.fromhex(hexframe)
    pending = bytearray(b"\x00\x13" + raw)  # line noise before the preamble is skipped

    def read(n: int) -> bytes:
        out = bytes(pending[:n])
        del pending[:n]
        return out

    answer = idframe.parse_answer(idframe.read_frame(read, 1.0))
    assert (answer.sw1, answer.sw2, answer.sw3, len(answer.data)) == (0, 0, sw3, data_len)
    assert answer_frame(sw3, bytes(data_len)) == raw  # the emulator builds the same bytes


def test_half_frame_then_silence_times_out_and_bad_check_is_caught():
    half = bytearray(bytes.fromhex("AAAAAA9669000800009F00"))

    def read(n: int) -> bytes:
        out = bytes(half[:n])
        del half[:n]
        return out

    started = time.monotonic()
    with pytest.raises(idframe.FrameError) as err:
        idframe.read_frame(read, 0.2)
    assert err.value.kind == "timeout" and time.monotonic() - started < 10  # bounded
    bad = bytearray(bytes.fromhex("AAAAAA9669000400008085"))
    with pytest.raises(idframe.FrameError) as err:
        idframe.read_frame(lambda n: bytes([bad.pop(0)]) if bad else b"", 0.5)
    assert err.value.kind == "check"


# -- the emulator itself is strict, as the sources say a reader is ----------------------


def _exchange(port: str, frame: bytes) -> int:
    with serial.Serial(port, 115200, timeout=0.05) as link:
        link.reset_input_buffer()
        link.write(frame)
        answer = idframe.parse_answer(idframe.read_frame(link.read, 2.0))
    return answer.sw3


def test_emulator_answers_bad_frames_with_the_documented_status(emu):
    find = command_frame(0x20, 0x01)
    assert _exchange(emu.port, find[:-1] + bytes([find[-1] ^ 1])) == 0x10  # check byte
    assert _exchange(emu.port, bytes.fromhex("AAAAAA96690000")) == 0x11  # length
    assert _exchange(emu.port, command_frame(0x55, 0x01)) == 0x21  # unknown command
    assert _exchange(emu.port, command_frame(0x20, 0x02)) == 0x81  # select before find
    assert _exchange(emu.port, command_frame(0x30, 0x01)) == 0x41  # read before select
    assert _exchange(emu.port, find) == 0x80  # no card


# -- decoding full text blocks ------------------------------------------------------------


@pytest.mark.parametrize("resident", RESIDENTS, ids=lambda r: r.id_number[-4:])
def test_full_text_block_decodes_over_the_pty(emu, idreader, resident):
    emu.place(resident)
    read = idreader.read()
    assert read.kind == "idcard" and not read.simulated
    assert read.holder.name == resident.name
    assert read.holder.resident_id.number == resident.id_number
    assert read.holder.sex == ("M" if resident.sex == "1" else "F")
    assert read.holder.ethnicity_code == resident.ethnicity
    assert read.holder.birth_date == resident.birth
    assert read.address == resident.address
    assert read.card.issuer == resident.authority
    assert read.card.issue_date == resident.valid_from
    assert read.card.expiry_date == resident.valid_to  # None for 长期
    assert read.expired == (resident is EXPIRED)
    assert read.warnings == (("idcard.expired",) if resident is EXPIRED else ())


def test_names_of_every_length_and_long_term_validity():
    block = ABDULLAH.text_block()
    text = decode_text(block, TODAY)
    assert text.name == "阿卜杜拉·买买提" and len(text.name) == 8
    assert text.valid_to is None and text.id_number.endswith("X")
    assert text.ethnicity == "维吾尔族"
    assert decode_text(OUYANG.text_block(), TODAY).name == "欧阳明月"
    assert decode_text(WANG.text_block(), TODAY).name == "王芳"


def test_ethnicity_codes_are_gb3304():
    assert len(ETHNICITIES) == 58
    assert [ethnicity_name(c) for c in ("01", "02", "05", "46", "56", "97", "98")] == [
        "汉族", "蒙古族", "维吾尔族", "德昂族", "基诺族", "其他", "外国血统中国籍人士"]
    assert ethnicity_name("57") is None and ethnicity_name(None) is None


def test_malformed_fields_are_named_not_guessed():
    bad_date = bytearray(WANG.text_block())
    bad_date[36:52] = "19441399".encode("utf-16-le")
    with pytest.raises(StationError) as err:
        decode_text(bytes(bad_date), TODAY)
    assert "出生日期" in err.value.message()
    wrong_check = bytearray(WANG.text_block())
    wrong_check[122:158] = "310101194405160023".encode("utf-16-le")
    with pytest.raises(StationError) as err:
        decode_text(bytes(wrong_check), TODAY)
    assert err.value.key == "hw.card_id_invalid"


# -- misbehaviour: each a clear message, and the next read works --------------------------


def _fails_then_recovers(emu, idreader, error_type, words: str) -> StationError:
    with pytest.raises(error_type) as err:
        idreader.read()
    message = err.value.message()
    assert words in message and "代码" not in message  # words for staff, no raw status
    emu.misbehave.__init__()  # the reader behaves again
    emu.place(WANG)
    assert idreader.read().holder.name == "王芳"
    return err.value


def test_no_card(emu, idreader):
    _fails_then_recovers(emu, idreader, IdNoCard, "没有身份证")
    emu.remove()
    assert idreader.card_present() is False


def test_card_removed_before_select_and_mid_read(emu, idreader):
    emu.place(OUYANG)
    emu.misbehave.remove_before = "select"
    _fails_then_recovers(emu, idreader, IdCardRemoved, "没有读完就被拿开")
    emu.place(OUYANG)
    emu.misbehave.remove_before = "read"
    _fails_then_recovers(emu, idreader, IdCardRemoved, "没有读完就被拿开")
    assert emu.answers.count(0x41) >= 1 and emu.answers.count(0x81) >= 1


def test_bad_check_byte_once_is_retried_always_is_said(emu, idreader):
    emu.place(WANG)
    emu.misbehave.bad_check = 1
    assert idreader.read().holder.name == "王芳"
    emu.misbehave.bad_check = 10
    _fails_then_recovers(emu, idreader, IdReaderGarbled, "校验不对")


@pytest.mark.slow  # waits out the reader's own time limits
def test_half_frame_then_silence(emu, idreader):
    emu.place(WANG)
    emu.misbehave.half_frames = 1
    assert idreader.read().holder.name == "王芳"  # retried once
    emu.misbehave.half_frames = 5
    started = time.monotonic()
    _fails_then_recovers(emu, idreader, IdReaderNoAnswer, "没有回应")
    assert time.monotonic() - started < 60  # bounded, never a hang


@pytest.mark.slow  # waits out the reader's own time limits
def test_slow_answers(emu, idreader):
    emu.place(ABDULLAH)
    emu.misbehave.delay = 0.2  # slow, within the timeouts
    assert idreader.read().holder.name == "阿卜杜拉·买买提"
    emu.misbehave.delay = 1.0  # slower than the find timeout, twice
    _fails_then_recovers(emu, idreader, IdReaderNoAnswer, "没有回应")


def test_unplugged_port_is_said_and_probe_is_bounded(tmp_path):
    gone = SerialIdCardReader(str(tmp_path / "ttyUSB9"))
    assert gone.readers() == []
    with pytest.raises(IdReaderMissing) as err:
        gone.read()
    assert "没有连接" in err.value.message()
    assert probe(str(tmp_path / "ttyUSB9")) is False
    master, slave = os.openpty()  # a serial device that never answers
    try:
        started = time.monotonic()
        assert probe(os.ttyname(slave), timeout=0.3) is False
        assert time.monotonic() - started < 15  # bounded
    finally:
        os.close(master)
        os.close(slave)


# -- finding the port --------------------------------------------------------------------


def test_port_by_configuration_or_auto_detected(emu, tmp_path):
    assert find_port("off") is None and find_port("") is None
    assert find_port("/dev/ttyUSB3") == "/dev/ttyUSB3"
    probed: list[str] = []

    def probe_and_note(port: str) -> bool:
        probed.append(port)
        return probe(port)

    found = find_port("auto", probe_fn=probe_and_note,
                      candidates=lambda: [str(tmp_path / "none"), emu.port])
    assert found == emu.port and probed == [str(tmp_path / "none"), emu.port]
    assert find_port("auto", candidates=lambda: []) is None


# -- events from the polling thread, and the combined reader -------------------------------


def test_polling_gives_insert_and_remove_events(emu, idreader):
    events: queue.Queue = queue.Queue()
    stop = idreader.subscribe(events.put)
    emu.place(WANG)
    assert events.get(timeout=60).kind is CardEventKind.INSERTED
    emu.remove()
    assert events.get(timeout=60).kind is CardEventKind.REMOVED
    stop()


def test_combined_reader_takes_whichever_has_a_card(emu, idreader):
    fake = FakeCardReader()
    both = CombinedCardReader([fake, idreader])
    assert both.readers() == [fake.name, idreader.name]
    with pytest.raises(StationError) as err:
        both.read()
    assert "社保卡" in err.value.message() and "身份证" in err.value.message()
    emu.place(OUYANG)
    assert both.card_present() and both.read().kind == "idcard"
    assert both.read(idreader.name).holder.name == "欧阳明月"


# -- privacy ---------------------------------------------------------------------------------


def test_nothing_personal_in_logs_exceptions_or_reprs(emu, idreader, caplog):
    caplog.set_level(logging.DEBUG)
    secrets = [ABDULLAH.name, ABDULLAH.id_number, ABDULLAH.address, "买买提", "漕溪北路"]
    emu.place(ABDULLAH)
    read = idreader.read()
    errors: list[BaseException] = []
    for setup in (lambda: setattr(emu.misbehave, "bad_check", 10),
                  lambda: setattr(emu.misbehave, "half_frames", 10),
                  lambda: setattr(emu.misbehave, "remove_before", "read")):
        emu.misbehave.__init__()
        emu.place(ABDULLAH)
        setup()
        try:
            idreader.read()
        except StationError as err:
            errors.append(err)
    assert len(errors) == 3
    seen = caplog.text + repr(read) + repr(read.holder) + repr(read.card) + "".join(
        str(e) + repr(e) + repr(getattr(e, "params", "")) for e in errors)
    for s in secrets:
        assert s not in seen
    # The photo is neither kept nor decoded: no 1 KB blob on the read.
    kept = [v for obj in (read, read.card, read.holder) for v in vars(obj).values()]
    assert not any(isinstance(v, bytes | bytearray) and len(v) >= 1024 for v in kept)


def test_factory_chooses_the_serial_reader(emu):
    from station.hw.factory import make_reader
    from station.hw.simulated import SimulatedCardReader

    emu.place(WANG)
    # Named: the 二代证 reader on that port (a PC/SC reader, if this package's pcscd runs,
    # joins it, as it would on a laptop with both).
    made = make_reader(f"idcard:{emu.port}", "off")
    try:
        assert isinstance(made, SerialIdCardReader | CombinedCardReader)
        assert made.read().kind == "idcard" and made.read().holder.name == "王芳"
    finally:
        made.close()
    chosen = make_reader("auto", emu.port)
    try:
        assert isinstance(chosen, SerialIdCardReader | CombinedCardReader)
        assert chosen.read().kind == "idcard"
        assert chosen.describe().code == "card" and not chosen.training
    finally:
        chosen.close()
    # Training mode stands alone: no real reader joins the simulated one.
    assert isinstance(make_reader("simulated", emu.port), SimulatedCardReader)
