"""End-to-end serve flows under the Pilot: real service, real queue, simulated reader,
fake printer."""

from __future__ import annotations

import pytest

from station.hw.ports import PrinterStatus
from tests.tui.conftest import TYPED_ID, insert_card, make_app, screen_name, unlock, wait_for
from tests.tui.textcheck import shown_strings

pytestmark = pytest.mark.anyio

PHONE = "13912345678"


async def serve_mz01(pilot, *, all_materials: bool = True) -> None:
    """From the picker (card read) to the confirm screen for 敬老卡申领."""
    await pilot.press("j", "l", "k", "enter")
    await wait_for(pilot, lambda: screen_name(pilot) == "GuideScreen")
    if all_materials:
        await pilot.press("a")
    await pilot.press("enter")
    await wait_for(pilot, lambda: screen_name(pilot) == "DetailsScreen")
    await pilot.press(*PHONE, "enter", "enter")
    await wait_for(pilot, lambda: screen_name(pilot) == "ConfirmScreen")


async def record(pilot) -> None:
    await pilot.press("enter")
    await wait_for(pilot, lambda: pilot.app.screen.state == "recorded")


async def test_card_to_receipt(ready, printer):
    app = make_app(ready)
    async with app.run_test(size=(100, 30)) as pilot:
        await unlock(pilot)
        await insert_card(pilot, "elder")
        texts = " ".join(shown_strings(app.screen))
        assert "张演示" in texts and "310101********0013" in texts
        assert "80 岁以上，可预约上门服务" in texts
        await serve_mz01(pilot)
        await record(pilot)
        outcome = app.screen.flow.outcome
        assert outcome.case.status == "accepted"
        assert outcome.print.document == "receipt" and outcome.print.printed
        assert len(printer.submissions) == 1
        await pilot.press("5")
        await wait_for(pilot, lambda: screen_name(pilot) == "DeskScreen")
        await wait_for(pilot, lambda: ready.open_case(outcome.case.case_no).rating == 5)
        (case,) = ready.today_cases()
        assert case.matter == "MZ01" and case.status == "accepted"
        assert app.unexpected == []


async def test_missing_materials_prints_notice(ready, printer):
    app = make_app(ready)
    async with app.run_test(size=(100, 30)) as pilot:
        await unlock(pilot)
        await insert_card(pilot, "elder")
        await serve_mz01(pilot, all_materials=False)
        assert "缺 2 项材料" in " ".join(shown_strings(app.screen))
        await record(pilot)
        outcome = app.screen.flow.outcome
        assert outcome.case.status == "materials_pending"
        assert set(outcome.case.missing) == {"id", "hukou"}
        assert outcome.print.document == "notice" and outcome.print.printed
        assert len(printer.submissions) == 1
        await pilot.press("s")
        await wait_for(pilot, lambda: screen_name(pilot) == "DeskScreen")
        (case,) = ready.today_cases()
        assert case.status == "materials_pending"


async def test_invalid_id_typed_shows_inline_error_and_records_nothing(ready):
    app = make_app(ready)
    async with app.run_test(size=(100, 30)) as pilot:
        await unlock(pilot)
        await pilot.press("f2")
        await wait_for(pilot, lambda: screen_name(pilot) == "IdentifyScreen")
        wrong = TYPED_ID[:-1] + ("0" if TYPED_ID[-1] != "0" else "1")
        await pilot.press(*wrong)
        await pilot.pause()
        check = app.screen.query_one("#id_check")
        assert check.has_class("error")
        # the message names the check digit that was expected
        assert TYPED_ID[-1] in str(check.visual)
        await pilot.press("enter")
        await pilot.pause()
        assert screen_name(pilot) == "IdentifyScreen"
        assert ready.today_cases() == []
        # a short number while typing is not an error yet
        await pilot.press(*(["backspace"] * 18), "1", "1", "0")
        await pilot.pause()
        assert not check.has_class("error")
        assert app.unexpected == []


async def test_typed_id_serves_like_a_card(ready, printer):
    app = make_app(ready)
    async with app.run_test(size=(100, 30)) as pilot:
        await unlock(pilot)
        await pilot.press("f2")
        await wait_for(pilot, lambda: screen_name(pilot) == "IdentifyScreen")
        await pilot.press(*TYPED_ID, "enter")
        assert app.screen.query_one("#id_check").has_class("ok")
        app.screen.query_one("#name").value = "钱打字"
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen_name(pilot) == "PickerScreen")
        await serve_mz01(pilot)
        await record(pilot)
        assert app.screen.flow.outcome.case.resident.source == "typed"
        assert len(printer.submissions) == 1


async def test_printer_offline_case_recorded_and_queued_for_reprint(ready, printer):
    printer.status = PrinterStatus.OFFLINE
    app = make_app(ready)
    async with app.run_test(size=(100, 30)) as pilot:
        await unlock(pilot)
        await insert_card(pilot, "elder")
        await serve_mz01(pilot)
        await record(pilot)
        outcome = app.screen.flow.outcome
        assert not outcome.print.printed
        assert printer.submissions == []
        # the user is told, on screen and in a notification
        assert outcome.print.message in " ".join(shown_strings(app.screen))
        assert any(n.message == outcome.print.message for n in app._notifications)
        assert ready.awaiting_reprint() == [outcome.case.case_no]
        (case,) = ready.today_cases()
        assert case.awaiting_reprint
        await pilot.press("s")
        await wait_for(pilot, lambda: screen_name(pilot) == "DeskScreen")
        # reprint once the printer is back
        printer.status = PrinterStatus.IDLE
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen_name(pilot) == "CaseScreen")
        await pilot.press("p")
        await wait_for(pilot, lambda: len(printer.submissions) == 1)
        await wait_for(pilot, lambda: ready.awaiting_reprint() == [])
