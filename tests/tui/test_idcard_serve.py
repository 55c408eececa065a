"""The 身份证 at the desk under the Pilot: a real serial reader on a pty (the emulated
reader of tests/hw), the same serve flow as the 社保卡, in as few keys."""

from __future__ import annotations

from datetime import date

import pytest

from station.hw.idreader import SerialIdCardReader
from tests.hw.idreader_emu import EmulatedIdReader, Resident
from tests.support.tui import make_app, screen_name, unlock, wait_for
from tests.tui.test_serve import record, serve_mz01
from tests.tui.textcheck import shown_strings

pytestmark = pytest.mark.anyio

# 88 years old on the suite's clock: 敬老卡 and home visits.
ELDER = Resident("张演示", "1", "01", date(1938, 3, 12), "上海市黄浦区新成村12号3单元402室",
                 "310101193803120013", "上海市公安局黄浦分局", date(2008, 5, 1), None)
EXPIRED = Resident("李建国", "1", "01", date(1960, 8, 8), "上海市长宁区嘉乐路7号",
                   "310106196008080038", "上海市公安局长宁分局", date(2001, 8, 8),
                   date(2021, 8, 8))


@pytest.fixture
def emu():
    reader = EmulatedIdReader()
    yield reader
    reader.close()


@pytest.fixture
def reader(emu, clock):  # overrides the simulated reader of tests/support/tui.py
    return SerialIdCardReader(emu.port, today=lambda: clock().date())


class Counting:
    """Key events the app received (not the keys the script meant), as bench/tui_bench.py."""

    def __init__(self, app) -> None:
        self.keys: list[str] = []
        original = app.on_event

        async def on_event(event):
            from textual import events

            if isinstance(event, events.Key) and not event.is_forwarded:
                self.keys.append(event.key)
            await original(event)

        app.on_event = on_event


async def test_id_card_to_receipt_in_as_few_keys_as_the_sscard(ready, printer, emu):
    app = make_app(ready)
    counting = Counting(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        counting.keys.clear()
        emu.place(ELDER)
        await wait_for(pilot, lambda: screen_name(pilot) == "PickerScreen")
        await pilot.pause()
        texts = " ".join(shown_strings(app.screen))
        assert "张演示" in texts and "310101********0013" in texts
        assert "读自身份证" in texts  # which card the resident handed over
        await serve_mz01(pilot)
        await record(pilot)
        outcome = app.screen.flow.outcome
        assert outcome.case.status == "accepted" and outcome.print.printed
        assert len(counting.keys) <= 10, counting.keys
        assert app.unexpected == []


async def test_expired_id_card_identifies_with_a_warning(ready, emu):
    app = make_app(ready)
    async with app.run_test(size=(100, 30)) as pilot:
        await unlock(pilot)
        emu.place(EXPIRED)
        await wait_for(pilot, lambda: screen_name(pilot) == "PickerScreen")
        await pilot.pause()
        texts = " ".join(shown_strings(app.screen))
        assert "李建国" in texts and "已过有效期" in texts and "仍可用于确认本人身份" in texts


async def test_misbehaving_reader_is_explained_and_the_desk_carries_on(ready, emu):
    app = make_app(ready)
    async with app.run_test(size=(100, 30)) as pilot:
        await unlock(pilot)
        emu.misbehave.half_frames, emu.misbehave.only_on = 10, "read"
        emu.place(ELDER)
        await wait_for(pilot, lambda: any("没有回应" in str(n.message)
                                          for n in app._notifications))
        assert screen_name(pilot) == "DeskScreen"
        emu.misbehave.__init__()
        emu.remove()
        # Placed again only once the station has seen the reader empty: two find-card
        # commands after the removal (the first may have been under way), whatever the speed.
        seen = len(emu.received)
        await wait_for(pilot, lambda: sum(frame[7:9] == b"\x20\x01"
                                          for frame in emu.received[seen:]) >= 2)
        emu.place(ELDER)
        await wait_for(pilot, lambda: screen_name(pilot) == "PickerScreen")


async def test_visit_form_starts_from_the_household_address(ready, emu):
    app = make_app(ready)
    async with app.run_test(size=(100, 30)) as pilot:
        await unlock(pilot)
        emu.place(ELDER)
        await wait_for(pilot, lambda: screen_name(pilot) == "PickerScreen")
        await pilot.press("f6")
        await wait_for(pilot, lambda: screen_name(pilot) == "BookVisitScreen")
        await pilot.pause()
        assert app.screen.query_one("#address").value == ELDER.address
        texts = " ".join(shown_strings(app.screen))
        assert "户籍地址" in texts and "请与居民确认" in texts
