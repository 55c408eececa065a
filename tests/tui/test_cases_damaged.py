"""Issue 16: a case row whose clear metadata was altered on disk is shown as damaged in
the TUI's cases list, and the rest of the day is still listed."""

from __future__ import annotations

import sqlite3

import pytest

from station import paths
from tests.support.tui import make_app, screen_name, unlock, wait_for
from tests.tui.test_cases import record_pending_case
from tests.tui.textcheck import shown_strings

pytestmark = pytest.mark.anyio


async def test_a_damaged_row_is_listed_as_damaged(ready):
    first = record_pending_case(ready)
    second = record_pending_case(ready)
    db = sqlite3.connect(paths.queue_file())
    db.execute("UPDATE records SET meta = replace(meta, 'materials_pending', 'materials_pendinh')"
               " WHERE json_extract(meta, '$.case_no') = ?", (first,))
    db.commit()
    db.close()
    app = make_app(ready)
    async with app.run_test(size=(100, 30)) as pilot:
        await unlock(pilot)
        await pilot.press("f3")
        await wait_for(pilot, lambda: screen_name(pilot) == "CasesScreen")
        await wait_for(pilot, lambda: len(app.screen.cases) == 2)
        table = app.screen.query_one("CasesTable")
        assert table.row_count == 2
        statuses = {c.case_no: c.status_label for c in app.screen.cases}
        assert statuses == {first: "记录已损坏", second: "材料待补"}
        assert "记录已损坏" in " ".join(shown_strings(app.screen))
