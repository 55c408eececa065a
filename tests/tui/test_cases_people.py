"""The cases list as staff use it all day (issue 17): a masked name column, search by
name, ID number or case number, the cursor kept after opening a case, and a rating shown
as 评价 in the case's versions."""

from __future__ import annotations

import pytest

from station.cases.model import CaseDraft
from tests.support.tui import PASSPHRASE, TYPED_ID, make_app, screen_name, unlock, wait_for

pytestmark = pytest.mark.anyio

OTHER_ID = "310101193803120013"


def record(service, id_number: str, name: str) -> str:
    guide = service.matter_guide("MZ01")
    payout = next(f for f in guide.fields if f.key == "payout").default
    draft = CaseDraft(resident=service.resident(id_number, name), matter="MZ01",
                      answers={"payout": payout}, materials=frozenset({"id", "form"}))
    return service.record_case(draft).case.case_no


def cells(table, row: int) -> list[str]:
    return [str(c) for c in table.get_row_at(row)]


async def test_names_search_and_cursor(ready):
    ready.unlock(ready.staff()[0].id, PASSPHRASE)
    first = record(ready, TYPED_ID, "钱更正")
    second = record(ready, OTHER_ID, "欧阳小娜")
    ready.rate(first, 4)
    ready.lock()
    app = make_app(ready)
    async with app.run_test(size=(100, 30)) as pilot:
        await unlock(pilot)
        await pilot.press("f3")
        await wait_for(pilot, lambda: screen_name(pilot) == "CasesScreen")
        screen = app.screen
        table = screen.query_one("CasesTable")
        await wait_for(pilot, lambda: table.row_count == 2 and len(screen.people) == 2)
        shown = [cells(table, r) for r in range(2)]
        names = {row[1]: row[2] for row in shown}
        assert names == {first: "钱*正", second: "欧**娜"}  # masked, never in full
        assert "钱更正" not in str(shown)

        # Search by name, by part of the ID number, by case number.
        for text, expected in (("欧阳", second), (TYPED_ID[-6:], first), (second[-3:], second)):
            screen.query_one("#filter").value = text
            await wait_for(pilot, lambda e=expected: table.row_count == 1
                           and table.current_case() == e)
        screen.query_one("#filter").value = ""
        await wait_for(pilot, lambda: table.row_count == 2)

        # Open the second row's case and come back: the cursor is where it was.
        table.focus()
        table.move_cursor(row=1)
        chosen = table.current_case()
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen_name(pilot) == "CaseScreen")
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_name(pilot) == "CasesScreen")
        await wait_for(pilot, lambda: table.row_count == 2)
        await pilot.pause()
        assert table.cursor_row == 1 and table.current_case() == chosen


async def test_a_rating_version_says_it_is_the_rating(ready):
    ready.unlock(ready.staff()[0].id, PASSPHRASE)
    case_no = record(ready, TYPED_ID, "钱更正")
    ready.rate(case_no, 5)
    ready.lock()
    app = make_app(ready)
    async with app.run_test(size=(100, 30)) as pilot:
        await unlock(pilot)
        from station.tui.screens.case import CaseScreen

        app.push_screen(CaseScreen(case_no))
        await wait_for(pilot, lambda: screen_name(pilot) == "CaseScreen"
                       and app.screen.case is not None)
        detail = str(app.screen.query_one("#detail").visual)
        assert "第 2 版" in detail and "评价：5 分" in detail
        line = next(x for x in detail.splitlines() if "第 2 版" in x and "评价" in x)
        assert "更正" not in line
