"""Bookings waiting for a date, scheduled and cancelled from the TUI; a second booking for
the same resident opens the first; a visit is not done before its day (issue 17)."""

from __future__ import annotations

from datetime import date

import pytest

from station.visits.model import Slot, VisitError
from tests.support.tui import (  # noqa: F401 - pytest fixtures of the TUI suite
    PASSPHRASE,
    anyio_backend,
    make_app,
    new_station,
    ready,
    screen_name,
    unlock,
    wait_for,
)

pytestmark = pytest.mark.anyio
TODAY = date(2026, 11, 23)  # the TUI suite's clock
ELDER = "310105194501010011"


def book(svc, slot: Slot | None = None, id_number: str = ELDER, name: str = "李寿星"):
    svc.unlock(svc.staff()[0].id, PASSPHRASE)
    appt = svc.visits.book(id_number=id_number, name=name, address="爱里舍 3号 1单元 101室",
                           phone="02164001234", matters_=["MZ01"], slot=slot)
    svc.lock()
    return appt


def toasts(app) -> str:
    return " ".join(str(n.message) for n in app._notifications)


def test_a_visit_is_not_done_before_its_day(ready):  # noqa: F811
    appt = book(ready, Slot(date(2026, 11, 25), "am"))
    ready.unlock(ready.staff()[0].id, PASSPHRASE)
    with pytest.raises(VisitError) as err:
        ready.visits.mark_visited(appt.id)
    assert err.value.key == "visits.visited_too_early"
    assert "2026-11-25" in err.value.message()
    assert ready.visits.get(appt.id).status == "scheduled"


def test_duplicate_booking_names_the_booking_and_its_status_in_words(ready):  # noqa: F811
    first = book(ready)
    with pytest.raises(VisitError) as err:
        book(ready)
    message = err.value.message()
    assert first.id in message and "待排期" in message and "requested" not in message


async def test_waiting_bookings_are_listed_scheduled_and_cancelled(ready):  # noqa: F811
    waiting = book(ready)
    other = book(ready, id_number="310101193803120013", name="张演示")
    app = make_app(ready)
    async with app.run_test(size=(120, 40)) as pilot:
        await unlock(pilot)
        await pilot.press("f6")
        await wait_for(pilot, lambda: screen_name(pilot) == "VisitsScreen")
        await wait_for(pilot, lambda: app.screen.waiting == 2)
        await pilot.press("w")
        await wait_for(pilot, lambda: screen_name(pilot) == "WaitingScreen")
        screen = app.screen
        await wait_for(pilot, lambda: {r.visit_id for r in screen.rows}
                       == {waiting.id, other.id})
        assert "2" in str(screen.query_one("#summary").visual)
        # Give the first a date: tomorrow morning is offered.
        first = screen.rows[0].visit_id
        await pilot.press("s")
        await wait_for(pilot, lambda: screen_name(pilot) == "RescheduleModal")
        assert not app.screen.query_one("#reason").display  # no reason asked for a first date
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen_name(pilot) == "WaitingScreen"
                       and len(screen.rows) == 1)
        scheduled = ready.visits.get(first)
        assert scheduled.status == "scheduled" and scheduled.slot == Slot(date(2026, 11, 24),
                                                                          "am")
        # Cancel the other, with a reason.
        second = screen.rows[0].visit_id
        await pilot.press("c")
        await wait_for(pilot, lambda: screen_name(pilot) == "ReasonModal")
        await pilot.press(*"已到中心办理", "enter")
        await wait_for(pilot, lambda: screen_name(pilot) == "WaitingScreen"
                       and screen.rows == [])
        assert ready.visits.get(second).status == "cancelled"
        assert ready.visits.get(second).outcome == "已到中心办理"

        # Tomorrow's visit in visit mode: not done today; rescheduled, then cancelled.
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_name(pilot) == "VisitsScreen")
        visits = app.screen
        await pilot.press("right")
        await wait_for(pilot, lambda: [x.appointment.id for x in visits.lines] == [first])
        await pilot.press("v")
        await wait_for(pilot, lambda: "还没到上门的日子" in toasts(app))
        assert ready.visits.get(first).status == "scheduled"
        await pilot.press("c")
        await wait_for(pilot, lambda: screen_name(pilot) == "ReasonModal")
        await pilot.press(*"家属来电取消", "enter")
        await wait_for(pilot, lambda: ready.visits.get(first).status == "cancelled")


async def test_second_booking_opens_the_existing_one(ready):  # noqa: F811
    existing = book(ready)
    app = make_app(ready)
    async with app.run_test(size=(120, 40)) as pilot:
        await unlock(pilot)
        from station.tui.screens.book_visit import BookVisitScreen

        app.push_screen(BookVisitScreen())
        await wait_for(pilot, lambda: screen_name(pilot) == "BookVisitScreen"
                       and bool(app.screen.query("#id_number")))
        form = app.screen
        form.query_one("#id_number").value = ELDER
        form.query_one("#name").value = "李寿星"
        form.query_one("#address").value = "爱里舍 3号 1单元 101室"
        form.query_one("#phone").value = "02164001234"
        form.query_one("#matters").value = "MZ01"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: screen_name(pilot) == "WaitingScreen")
        waiting = app.screen
        await wait_for(pilot, lambda: bool(waiting.rows))
        assert waiting.current().visit_id == existing.id
        said = str(form.query_one("#outcome").visual)
        assert "请在原预约上修改" in said and "requested" not in said and "待排期" in said
        assert existing.id in toasts(app)
