"""End-to-end serve flows under the Pilot: real service, real queue, simulated reader,
fake printer."""

from __future__ import annotations

import pytest

from station.catalogue.loader import load_catalogue
from station.hw.ports import PrinterStatus
from tests.support.tui import TYPED_ID, insert_card, make_app, screen_name, unlock, wait_for
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
    # Nothing to type: the payout choice comes preselected, and the result is collected at
    # the centre (the default way), so the contact phone is offered but not required.
    await pilot.press("enter")
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
        assert set(outcome.case.missing) == {"id", "form"}
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


async def test_agent_is_recorded(ready):
    """帮办代办: the agent's ID is checked inline and the relation is kept."""
    app = make_app(ready)
    async with app.run_test(size=(100, 30)) as pilot:
        await unlock(pilot)
        await insert_card(pilot, "elder")
        await pilot.press("j", "l", "k", "enter")
        await wait_for(pilot, lambda: screen_name(pilot) == "GuideScreen")
        await pilot.press("a", "enter")
        await wait_for(pilot, lambda: screen_name(pilot) == "DetailsScreen")
        screen = app.screen
        await pilot.press("enter")  # the defaults…
        await wait_for(pilot, lambda: screen_name(pilot) == "ConfirmScreen")
        await pilot.press("escape")  # …back: this resident came with a helper
        await wait_for(pilot, lambda: screen_name(pilot) == "DetailsScreen")
        screen.query_one("#agent").value = True
        await pilot.pause()
        assert screen.query_one("#agent_box").display
        screen.query_one("#agent_id").value = TYPED_ID[:-1] + "9"  # wrong check digit
        screen.query_one("#agent_relation").value = "子女"
        screen.set_focus(screen.query_one("#delivery"))
        await pilot.press("enter")
        await pilot.pause()
        assert screen_name(pilot) == "DetailsScreen"
        assert str(screen.query_one("#agent_error").visual)  # the ID problem, inline
        screen.query_one("#agent_id").value = TYPED_ID
        screen.set_focus(screen.query_one("#delivery"))
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen_name(pilot) == "ConfirmScreen")
        assert "子女" in " ".join(shown_strings(app.screen))
        await record(pilot)
        case = app.screen.flow.outcome.case
        assert case.agent is not None and case.agent.relation == "子女"
        assert case.agent.id.number == TYPED_ID


async def test_posted_result_asks_for_phone_and_address_inline(ready):
    """The phone is required only when the result travels: choosing 邮寄 asks for it (and the
    address) under the fields themselves, with the cursor on the first one."""
    app = make_app(ready)
    async with app.run_test(size=(100, 30)) as pilot:
        await unlock(pilot)
        await insert_card(pilot, "elder")
        await pilot.press("j", "l", "k", "enter")
        await wait_for(pilot, lambda: screen_name(pilot) == "GuideScreen")
        await pilot.press("a", "enter")
        await wait_for(pilot, lambda: screen_name(pilot) == "DetailsScreen")
        screen = app.screen
        keys = [f.key for f in screen.fields]
        phone, address = keys.index("phone"), keys.index("address")
        assert not screen.fields[phone].required  # offered, with a hint saying when it is
        assert "邮寄" in screen.query_one(f"#field-{phone}").placeholder
        post = next(b for b in screen.query("#delivery RadioButton") if b.name == "post")
        post.value = True
        await pilot.pause()
        screen.set_focus(screen.query_one("#delivery"))
        await pilot.press("enter")
        await pilot.pause()
        assert screen_name(pilot) == "DetailsScreen"
        assert str(screen.query_one(f"#error-{phone}").visual) == "联系电话：必填"
        assert str(screen.query_one(f"#error-{address}").visual) == "居住地址：必填"
        assert screen.focused is screen.query_one(f"#field-{phone}")
        await pilot.press(*PHONE, "enter")  # Enter goes on to the next empty required field
        assert str(screen.query_one(f"#error-{phone}").visual) == ""
        assert screen.focused is screen.query_one(f"#field-{address}")
        await pilot.press(*"新成村12号", "enter")
        await wait_for(pilot, lambda: screen_name(pilot) == "ConfirmScreen")
        await record(pilot)
        case = app.screen.flow.outcome.case
        assert case.delivery == "post" and case.answers["phone"] == PHONE


async def test_not_eligible_shows_reason_and_blocks(ready):
    app = make_app(ready)
    async with app.run_test(size=(100, 30)) as pilot:
        await unlock(pilot)
        await insert_card(pilot, "young")  # 26 years old: 敬老卡 is from 65
        await pilot.press("j", "l", "k", "enter")
        await wait_for(pilot, lambda: screen_name(pilot) == "GuideScreen")
        eligibility = str(app.screen.query_one("#eligibility").visual)
        assert eligibility.startswith("不符合办理条件：") and "65" in eligibility
        await pilot.press("a", "enter")
        await pilot.pause()
        assert screen_name(pilot) == "GuideScreen"
        assert any("不能受理" in n.message for n in app._notifications)
        assert ready.today_cases() == []


async def test_picker_by_line_and_menu(ready):
    app = make_app(ready)
    async with app.run_test(size=(100, 30)) as pilot:
        await unlock(pilot)
        await insert_card(pilot, "elder")
        picker = app.screen
        assert len(picker.matters) == len(load_catalogue())  # every matter
        await pilot.press("f2")  # the first line: 民政
        assert picker.line is not None
        assert {m.line for m in picker.matters} == {picker.line}
        assert [m.code for m in picker.matters][:1] == ["MZ01"]
        await pilot.press("f3")  # and the first population menu
        assert picker.menu is not None
        assert all(picker.menu in m.menus for m in picker.matters)
        await pilot.press("down", "down")
        assert picker.query_one("#matters").highlighted == 2
        await pilot.press("up")
        assert picker.query_one("#matters").highlighted == 1
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen_name(pilot) == "GuideScreen")
        assert app.screen.flow.matter == picker.matters[1].code
        # typing a code finds it too
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_name(pilot) == "PickerScreen")
        await pilot.press(*["f2"] * 8, *["f3"] * 5)  # cycle back to "all"
        assert picker.line is None and picker.menu is None
        await pilot.press(*"RS03")
        assert [m.code for m in picker.matters][:1] == ["RS03"]


async def test_second_card_mid_serve_is_not_swapped_in(ready):
    app = make_app(ready)
    async with app.run_test(size=(100, 30)) as pilot:
        await unlock(pilot)
        await insert_card(pilot, "elder")
        await pilot.press("j", "l", "k", "enter")
        await wait_for(pilot, lambda: screen_name(pilot) == "GuideScreen")
        ready.insert_training_card("retiree")
        await wait_for(pilot, lambda: any("另一位居民" in n.message for n in app._notifications))
        assert screen_name(pilot) == "GuideScreen"
        assert app.screen.flow.resident.name == "张演示"


async def test_unreadable_card_is_explained(ready, printer, clock):
    from station.hw.errors import NotSocialSecurityCard
    from station.hw.fakes import FakeCardReader
    from station.service import Service

    ready.close()
    reader = FakeCardReader()
    service = Service(reader=reader, printer=printer, clock=clock, sleep=lambda _s: None)
    app = make_app(service)
    async with app.run_test(size=(100, 30)) as pilot:
        await unlock(pilot)
        reader.insert(NotSocialSecurityCard())
        message = NotSocialSecurityCard().message()
        await wait_for(pilot, lambda: any(n.message == message for n in app._notifications))
        assert screen_name(pilot) == "DeskScreen"
        assert app.unexpected == []
    service.close()
