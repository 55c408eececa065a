"""Snapshots of the desk, the matter picker and the guide at 80×24 and 120×40.

Deterministic: fixed clock, fixed station id, the simulated reader's fictional
residents, the fake printer, no background status polling.
"""

from __future__ import annotations

import pytest

from tests.support.tui import insert_card, make_app, unlock, wait_for
from tests.tui.test_cases import record_pending_case

SIZES = [(80, 24), (120, 40)]


async def _desk(pilot) -> None:
    await unlock(pilot)
    await wait_for(pilot, lambda: pilot.app.status is not None)
    table = pilot.app.screen.query_one("CasesTable")
    await wait_for(pilot, lambda: table.row_count == 1)
    # Column widths follow the rows on the next idle: wait for them, not for the clock.
    await wait_for(pilot, lambda: table.columns["case_no"].content_width >= 17)
    await pilot.pause()


async def _picker(pilot) -> None:
    await _desk(pilot)
    await insert_card(pilot, "elder")


async def _guide(pilot) -> None:
    await _picker(pilot)
    await pilot.press("j", "l", "k", "enter")
    await wait_for(pilot, lambda: type(pilot.app.screen).__name__ == "GuideScreen")
    await pilot.press("down", "space")  # one material ticked, the rest missing
    await pilot.wait_for_scheduled_animations()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("where", ["desk", "picker", "guide"])
def test_screen_snapshot(snap_compare, ready, size, where):
    record_pending_case(ready)
    run_before = {"desk": _desk, "picker": _picker, "guide": _guide}[where]
    assert snap_compare(make_app(ready), terminal_size=size, run_before=run_before)
