"""The desk as street staff use it (issue 17): focus, required choices, materials that
follow the answers, checkboxes readable without colour, the status bar before enrolment."""

from __future__ import annotations

import pytest
from textual.widgets import Input, RadioButton, RadioSet

from tests.support.tui import TYPED_ID, make_app, screen_name, unlock, wait_for

pytestmark = pytest.mark.anyio


async def open_screen(pilot, name: str, code: str):
    """The guide or details screen of ``code`` for the typed test resident."""
    from station.tui.flow import ServeFlow
    from station.tui.screens.details import DetailsScreen
    from station.tui.screens.guide import GuideScreen

    app = pilot.app
    resident = app.service.resident(TYPED_ID, "钱测试")
    flow = ServeFlow(resident, guide=app.service.matter_guide(code, resident))
    app.push_screen((GuideScreen if name == "GuideScreen" else DetailsScreen)(flow))
    await wait_for(pilot, lambda: screen_name(pilot) == name and app.screen.is_mounted)
    await pilot.pause()
    return flow



async def test_tab_and_shift_tab_reach_every_field(ready):
    app = make_app(ready)
    async with app.run_test(size=(100, 40)) as pilot:
        await unlock(pilot)
        await open_screen(pilot, "DetailsScreen", "MZ01")
        screen = app.screen
        expected = list(screen.focus_chain)
        ids = {w.id for w in expected}
        fields = {f"field-{i}" for i in range(len(screen.fields))}
        assert fields | {"delivery", "agent"} <= ids
        seen = []
        for _ in range(len(expected)):
            before = app.focused
            await pilot.press("tab")
            await wait_for(pilot, lambda b=before: app.focused is not b)
            seen.append(app.focused)
        assert {id(w) for w in seen} == {id(w) for w in expected}
        # Shift+Tab walks back the same way.
        start = app.focused
        await pilot.press("shift+tab")
        await wait_for(pilot, lambda: app.focused is not start)
        assert app.focused is seen[-2]


async def test_required_choices_start_empty_and_block_with_their_name(ready):
    app = make_app(ready)
    async with app.run_test(size=(100, 40)) as pilot:
        await unlock(pilot)
        flow = await open_screen(pilot, "DetailsScreen", "MZ04")
        screen = app.screen
        sets = list(screen.query(".field").results(RadioSet))
        assert len(sets) == 3
        assert all(not any(b.value for b in s.query(RadioButton)) for s in sets)
        # Enter on an untouched choice answers nothing and says which question waits.
        sets[0].focus()
        await wait_for(pilot, lambda: app.focused is sets[0])
        await pilot.press("enter")
        first = int((sets[0].id or "").removeprefix("field-"))
        await wait_for(pilot, lambda: "照护需求等级" in str(
            screen.query_one(f"#error-{first}").visual))
        assert screen._value(first) == "" and screen_name(pilot) == "DetailsScreen"
        # Recording is refused, naming every unanswered question.
        screen.action_next()
        await pilot.pause()
        message = str(screen.query_one("#form_error").visual)
        assert all(label in message for label in ("照护需求等级", "经济状况", "服务需求"))
        assert screen_name(pilot) == "DetailsScreen" and flow.answers == {}
        # Moving the highlight and pressing Enter is a deliberate answer.
        sets[0].focus()
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: screen._value(first) == "三级")


async def test_all_present_ticks_only_what_the_answers_need(ready):
    app = make_app(ready)
    async with app.run_test(size=(100, 40)) as pilot:
        await unlock(pilot)
        flow = await open_screen(pilot, "GuideScreen", "MZ01")
        await pilot.press("a")
        await wait_for(pilot, lambda: bool(flow.ticked))
        # Paid to the 社保卡 (the catalogue's normal answer): no bank-card copy, no agent's ID.
        assert flow.ticked == {"id", "form"}
        assert flow.missing() == []
        # Paid to a bank card: the copy becomes needed, and is what is missing.
        flow.answers = {"payout": "本人银行卡"}
        assert [m.code for m in flow.missing()] == ["bank"]


async def test_dibao_answer_puts_its_certificate_on_the_notice(ready, printer):
    from station.cases.model import CaseDraft

    ready.unlock(ready.staff()[0].id, "correcthorse42")
    draft = CaseDraft(resident=ready.resident(TYPED_ID, "钱测试"), matter="MZ04",
                      answers={"care_level": "三级", "economic": "低保", "service": "助浴"},
                      materials=frozenset({"id", "hukou", "assessment"}))
    outcome = ready.record_case(draft)
    assert outcome.case.status == "materials_pending" and outcome.case.missing == ("dibao",)
    assert outcome.print.document == "notice"


async def test_checkboxes_show_their_state_without_colour(ready):
    app = make_app(ready)
    async with app.run_test(size=(100, 40)) as pilot:
        await unlock(pilot)
        flow = await open_screen(pilot, "GuideScreen", "MZ01")
        materials = app.screen.query_one("#materials")
        lines = [materials.render_line(y).text for y in range(materials.option_count)]
        assert all(line.startswith("[ ]") for line in lines), lines
        await pilot.press("space")
        await wait_for(pilot, lambda: bool(flow.ticked))
        assert materials.render_line(0).text.startswith("[x]")
        assert materials.render_line(1).text.startswith("[ ]")
        assert "▐" not in materials.render_line(0).text


async def test_status_bar_says_records_stay_here_before_enrolment(ready):
    app = make_app(ready)
    async with app.run_test(size=(120, 40)) as pilot:
        await unlock(pilot)
        await wait_for(pilot, lambda: app.status is not None)
        bar = app.screen.query_one("StatusBar")
        await wait_for(pilot, lambda: "未登记中心：记录只保存在本机" in str(bar.visual))
        assert "联网后自动上传" not in str(bar.visual)
        assert not ready.enrolled


async def test_typed_fields_keep_focus_order_after_agent_ticked(ready):
    app = make_app(ready)
    async with app.run_test(size=(100, 40)) as pilot:
        await unlock(pilot)
        await open_screen(pilot, "DetailsScreen", "MZ01")
        app.screen.query_one("#agent").focus()
        await pilot.press("space")
        await wait_for(pilot, lambda: app.focused is app.screen.query_one("#agent_id"))
        await pilot.press("tab")
        await wait_for(pilot, lambda: isinstance(app.focused, Input)
                       and app.focused.id == "agent_relation")


async def test_status_bar_counts_cases_as_the_report_does(ready):
    from station.cases.model import CaseDraft
    from station.reports.service import reports_for

    ready.unlock(ready.staff()[0].id, "correcthorse42")
    for id_number, name in ((TYPED_ID, "钱测试"), ("310101193803120013", "张演示")):
        draft = CaseDraft(resident=ready.resident(id_number, name), matter="MZ01",
                          answers={"payout": "社保卡（敬老卡）"},
                          materials=frozenset({"id", "form"}))
        case_no = ready.record_case(draft).case.case_no
    ready.rate(case_no, 5)  # a second version of the same case: still one case
    today = ready.current_outing().day
    total = reports_for(ready).recent("today", today).total
    ready.lock()
    assert total.cases == 2 and total.pending + total.sent == 2
    app = make_app(ready)
    async with app.run_test(size=(120, 40)) as pilot:
        await unlock(pilot)
        await wait_for(pilot, lambda: app.status is not None)
        assert app.status.pending_cases == 2 and app.status.pending == 3  # 3 versions
        bar = app.screen.query_one("StatusBar")
        await wait_for(pilot, lambda: f"待同步 2 件（{app.status.pending} 条记录）"
                       in str(bar.visual))


async def test_agent_checkbox_and_delivery_read_without_colour(ready):
    app = make_app(ready)
    async with app.run_test(size=(100, 40)) as pilot:
        await unlock(pilot)
        await open_screen(pilot, "DetailsScreen", "MZ01")
        agent = app.screen.query_one("#agent")
        assert str(agent.render()).startswith("[ ]")
        agent.focus()
        await pilot.press("space")
        await wait_for(pilot, lambda: agent.value)
        assert str(agent.render()).startswith("[x]")
        delivery = [str(b.render()) for b in app.screen.query_one("#delivery").children]
        assert delivery[0].startswith("(•)") and all(d.startswith("( )") for d in delivery[1:])
