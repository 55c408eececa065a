"""The TUI reports screen (Pilot): the station report's figures and a chart, no personal data."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Sparkline, Static

from shared.i18n import t
from station.cases.model import CaseDraft
from tests.support.tui import (  # noqa: F401 - fixtures
    PASSPHRASE,
    TYPED_ID,
    _no_unexpected_errors,
    anyio_backend,
    make_app,
    new_station,
    ready,
    screen_name,
    unlock,
    wait_for,
)
from tests.tui.textcheck import shown_strings

pytestmark = pytest.mark.anyio
NAME = "钱报表"


def record(svc, materials: frozenset[str]) -> str:
    svc.unlock(svc.staff()[0].id, PASSPHRASE)
    guide = svc.matter_guide("MZ01")
    payout = next(f for f in guide.fields if f.key == "payout").choices[0].value
    draft = CaseDraft(resident=svc.resident(TYPED_ID, NAME), matter="MZ01",
                      answers={"phone": "13912345678", "payout": payout}, materials=materials)
    case_no = svc.record_case(draft).case.case_no
    svc.lock()
    return case_no


async def test_reports_screen_shows_figures_and_a_chart(ready):  # noqa: F811
    first = record(ready, frozenset({"id"}))  # household register missing: 材料待补
    record(ready, frozenset({"id", "form"}))
    ready.unlock(ready.staff()[0].id, PASSPHRASE)
    ready.rate(first, 4)
    ready.lock()
    app = make_app(ready)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f10")  # locked: the key does nothing
        await pilot.pause()
        assert screen_name(pilot) == "UnlockScreen"
        await unlock(pilot)
        await pilot.press("f10")
        await wait_for(pilot, lambda: screen_name(pilot) == "ReportsScreen")
        await wait_for(pilot, lambda: app.screen.report is not None)
        await pilot.pause()
        screen = app.screen
        facts = str(screen.query_one("#facts", Static).render())
        assert f"{t('reports.fact_cases')}：2" in facts
        assert f"{t('reports.fact_materials')}：1" in facts
        assert t("reports.ratings_line", rated=1, avg="4.00") in facts
        table = screen.query_one("#groups", DataTable)
        assert table.row_count == 2  # today, and the total
        chart = str(screen.query_one("#chart", Static).render())
        assert "█" in chart and t("reports.chart_cases_by", by=t("reports.by_day")) in chart
        assert screen.query_one("#trend", Sparkline).data == [2.0]
        shown = " ".join(shown_strings(screen))
        assert NAME not in shown and TYPED_ID not in shown and "13912345678" not in shown
        await pilot.press("f8")  # by site
        await wait_for(pilot, lambda: screen.report.by == "site")
        await pilot.pause()
        assert str(table.get_row_at(0)[0]) == "新成村"
        await pilot.press("f7")  # last 7 days
        await wait_for(pilot, lambda: len(screen.report.days) == 7)
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_name(pilot) == "DeskScreen")
