"""Before recording a case twice (issue 17): the same ID number under another name today,
or the same matter for the same resident again today, stops at a modal that says why.
Esc goes back and records nothing; a reason records the case with that reason (stored
encrypted in the case). Also: an agent under 18 is refused on the details screen."""

from __future__ import annotations

import pytest

from shared.i18n import t
from station.cases.model import CaseDraft
from station.people import check_char
from tests.support.tui import (
    PASSPHRASE,
    insert_card,
    make_app,
    screen_name,
    unlock,
    wait_for,
)
from tests.tui.test_desk_day import open_screen
from tests.tui.test_serve import serve_mz01
from tests.tui.textcheck import shown_strings

pytestmark = pytest.mark.anyio

ELDER_ID = "310101193803120013"  # the simulated reader's "elder" card (张演示)


@pytest.fixture
def earlier(ready) -> str:
    """This morning the elder's number was recorded for 敬老卡申领 under another name."""
    ready.unlock(ready.staff()[0].id, PASSPHRASE)
    draft = CaseDraft(resident=ready.resident(ELDER_ID, "张别名"), matter="MZ01",
                      answers={"payout": "社保卡（敬老卡）"},
                      materials=frozenset({"id", "form"}))
    case_no = ready.record_case(draft).case.case_no
    ready.lock()
    return case_no


async def to_duplicate_modal(pilot) -> None:
    await unlock(pilot)
    await insert_card(pilot, "elder")
    await serve_mz01(pilot)
    await pilot.press("enter")
    await wait_for(pilot, lambda: screen_name(pilot) == "DuplicateModal")
    await wait_for(pilot, lambda: pilot.app.screen.is_mounted)


async def test_duplicate_warns_and_esc_records_nothing(ready, printer, earlier):
    app = make_app(ready)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_duplicate_modal(pilot)
        shown = " ".join(shown_strings(app.screen))
        assert t("intake.dup_other_name", names="张别名") in shown
        assert t("intake.dup_same_matter", cases=earlier) in shown
        warnings = app.screen.query_one("#warnings")
        assert warnings.region.height >= 2 and warnings.region.bottom <= 24  # on screen

        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_name(pilot) == "ConfirmScreen")
        await wait_for(pilot, lambda: app.screen.state == "review")
        assert t("tui.confirm.will_receipt") in str(app.screen.query_one("#outcome").visual)
        assert [c.case_no for c in ready.today_cases()] == [earlier]
        assert len(printer.submissions) == 1  # the morning's receipt only
        # Esc once more leaves the confirm screen as before: back to the details
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_name(pilot) == "DetailsScreen")
    assert app.unexpected == []


async def test_duplicate_goes_on_with_a_reason(ready, printer, earlier):
    app = make_app(ready)
    async with app.run_test(size=(100, 30)) as pilot:
        await to_duplicate_modal(pilot)
        modal = app.screen
        await pilot.press("enter")  # no reason: told, still nothing recorded
        error = modal.query_one("#error")
        await wait_for(pilot, lambda: t("intake.reason_empty") in str(error.visual))
        assert screen_name(pilot) == "DuplicateModal" and len(ready.today_cases()) == 1

        await pilot.press(*"居民已改名", "enter")
        await wait_for(pilot, lambda: screen_name(pilot) == "ConfirmScreen")
        await wait_for(pilot, lambda: app.screen.state == "recorded")
        outcome = app.screen.flow.outcome
        assert outcome.case.case_no != earlier and outcome.print.printed
        assert len(printer.submissions) == 2
        await pilot.press("s")
        await wait_for(pilot, lambda: screen_name(pilot) == "DeskScreen")
    assert ready.open_case(outcome.case.case_no).duplicate_reason == "居民已改名"
    assert ready.open_case(earlier).duplicate_reason == ""
    assert len(ready.today_cases()) == 2
    assert app.unexpected == []


async def test_no_warning_records_at_once(ready, printer):
    """A first case of the day goes straight through: no modal, one key."""
    app = make_app(ready)
    async with app.run_test(size=(100, 30)) as pilot:
        await unlock(pilot)
        await insert_card(pilot, "elder")
        await serve_mz01(pilot)
        await pilot.press("enter")
        await wait_for(pilot, lambda: getattr(app.screen, "state", "") == "recorded")
        assert screen_name(pilot) == "ConfirmScreen" and len(printer.submissions) == 1


async def test_agent_under_18_is_refused_on_the_details_screen(ready):
    first17 = "31010120150601002"  # born 2015-06-01: 11 years old on the test day
    minor = first17 + check_char(first17)
    app = make_app(ready)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        flow = await open_screen(pilot, "DetailsScreen", "MZ01")
        screen = app.screen
        screen.query_one("#agent").focus()
        await pilot.press("space")
        await wait_for(pilot, lambda: app.focused is screen.query_one("#agent_id"))
        await pilot.press(*minor, "tab", *"孙女", "tab", *"张小妹", "enter")
        error = screen.query_one("#agent_error")
        await wait_for(pilot, lambda: "未成年" in str(error.visual))
        assert str(error.visual) == t("intake.agent_minor", age=11, adult=18)
        assert screen_name(pilot) == "DetailsScreen" and flow.agent is None
        await wait_for(pilot, lambda: app.focused is screen.query_one("#agent_id"))
        # seen at 80×24: the message is scrolled into view, not below the screen
        await pilot.pause()
        assert error.region.height > 0 and error.region.bottom <= 24
    assert ready.today_cases() == []


async def test_a_damaged_row_of_the_day_does_not_stop_the_check(ready, printer):
    """The check reads the day's cases: one whose stored metadata was altered on disk is
    passed over (it used to stop the check with an error), and the new case is recorded."""
    import sqlite3

    from station import paths
    from tests.tui.test_cases import record_pending_case

    damaged = record_pending_case(ready)
    db = sqlite3.connect(paths.queue_file())
    db.execute("UPDATE records SET meta = replace(meta, 'materials_pending', 'materials_pendinh')"
               " WHERE json_extract(meta, '$.case_no') = ?", (damaged,))
    db.commit()
    db.close()
    app = make_app(ready)
    async with app.run_test(size=(100, 30)) as pilot:
        await unlock(pilot)
        await insert_card(pilot, "elder")
        await serve_mz01(pilot)
        await pilot.press("enter")
        await wait_for(pilot, lambda: getattr(app.screen, "state", "") == "recorded")
        assert screen_name(pilot) == "ConfirmScreen" and len(printer.submissions) == 2
