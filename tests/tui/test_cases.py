"""Today's cases: list, filter, open, amend (new version, reason) and withdraw (reason)."""

from __future__ import annotations

import pytest

from station.cases.model import CaseDraft
from tests.support.tui import PASSPHRASE, TYPED_ID, make_app, screen_name, unlock, wait_for
from tests.tui.textcheck import shown_strings

pytestmark = pytest.mark.anyio


def record_pending_case(service) -> str:
    """A 敬老卡 case recorded without the household register (材料待补)."""
    service.unlock(service.staff()[0].id, PASSPHRASE)
    guide = service.matter_guide("MZ01")
    payout = next(f for f in guide.fields if f.key == "payout").choices[0].value
    draft = CaseDraft(resident=service.resident(TYPED_ID, "钱更正"), matter="MZ01",
                      answers={"phone": "13912345678", "payout": payout},
                      materials=frozenset({"id"}))
    outcome = service.record_case(draft)
    service.lock()
    return outcome.case.case_no


async def test_amend_then_withdraw(ready, printer):
    case_no = record_pending_case(ready)
    assert len(printer.submissions) == 1  # the one-time notice
    app = make_app(ready)
    async with app.run_test(size=(100, 30)) as pilot:
        await unlock(pilot)
        await pilot.press("f3")
        await wait_for(pilot, lambda: screen_name(pilot) == "CasesScreen")
        await wait_for(pilot, lambda: len(app.screen.cases) == 1)
        # filtering by text
        await pilot.press("slash", *"RS0")
        await pilot.pause()
        assert app.screen.query_one("CasesTable").row_count == 0
        await pilot.press(*(["backspace"] * 3), *"MZ01", "enter")
        await pilot.pause()
        assert app.screen.query_one("CasesTable").row_count == 1
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen_name(pilot) == "CaseScreen")
        shown = " ".join(shown_strings(app.screen))
        assert "钱更正" in shown and "材料待补" in shown and "申请登记表" in shown

        # amend: the household register arrived
        await pilot.press("m")
        await wait_for(pilot, lambda: screen_name(pilot) == "AmendScreen")
        materials = app.screen.query_one("#materials")
        codes = [materials.get_option_at_index(i).value for i in range(materials.option_count)]
        materials.highlighted = codes.index("form")
        await pilot.press("space", "ctrl+s")
        await wait_for(pilot, lambda: screen_name(pilot) == "ReasonModal")
        await pilot.press("enter")  # a reason is required
        assert "原因" in str(app.screen.query_one("#error").visual)
        await pilot.press(*"form brought", "enter")
        await wait_for(pilot, lambda: screen_name(pilot) == "CaseScreen")
        await wait_for(pilot, lambda: app.screen.case.version == 2)
        case = ready.open_case(case_no)
        assert case.status == "accepted" and case.reason == "form brought"
        assert "form" in case.materials
        assert len(printer.submissions) == 2  # now the receipt

        # withdraw, with a reason; cancelling first changes nothing
        await pilot.press("w")
        await wait_for(pilot, lambda: screen_name(pilot) == "ReasonModal")
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_name(pilot) == "CaseScreen")
        assert ready.open_case(case_no).status == "accepted"
        await pilot.press("w")
        await wait_for(pilot, lambda: screen_name(pilot) == "ReasonModal")
        await pilot.press(*"resident changed mind", "enter")
        await wait_for(pilot, lambda: app.screen.case.status == "withdrawn")
        case = ready.open_case(case_no)
        assert case.status == "withdrawn" and case.reason == "resident changed mind"
        versions = ready.case_history(case_no)
        assert [v.status for v in versions] == ["materials_pending", "accepted", "withdrawn"]
        # a withdrawn case cannot be amended
        await pilot.press("m")
        await pilot.pause()
        assert screen_name(pilot) == "CaseScreen"
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_name(pilot) == "CasesScreen")
        await wait_for(pilot, lambda: "已撤回" in " ".join(shown_strings(app.screen)))


async def test_status_filter_cycles(ready):
    record_pending_case(ready)
    app = make_app(ready)
    async with app.run_test(size=(100, 30)) as pilot:
        await unlock(pilot)
        await pilot.press("f3")
        await wait_for(pilot, lambda: screen_name(pilot) == "CasesScreen")
        await wait_for(pilot, lambda: len(app.screen.cases) == 1)
        await pilot.press("f6")  # accepted only
        await wait_for(pilot, lambda: app.screen.status == "accepted" and not app.screen.cases)
        await pilot.press("f6")  # materials pending
        await wait_for(pilot, lambda: len(app.screen.cases) == 1)
