"""Visit mode under the Pilot: real service and queue (the TUI suite's fixtures), offline
(the station is not enrolled): the day's doors in order → serve pre-filled → case linked
→ visited / no-show / reschedule."""

from __future__ import annotations

from datetime import date

import pytest

from station.tui.keys import display
from station.tui.screens.visits import VisitsScreen
from station.visits.model import Slot
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
from tests.tui.test_serve import record, serve_mz01
from tests.tui.textcheck import Checker, service_data, shown_strings

pytestmark = pytest.mark.anyio
TODAY = date(2026, 11, 23)  # the TUI suite's clock


def booked(svc) -> tuple[str, str]:
    svc.unlock(svc.staff()[0].id, PASSPHRASE)
    far = svc.visits.book(id_number="310105194501010011", name="李寿星",
                          address="爱里舍 3号 1单元 101室", phone="02164001234",
                          matters_=["MZ01"], slot=Slot(TODAY, "pm"))
    near = svc.visits.book(id_number="310101193803120013", name="张演示",
                           address="新成村 12号 3单元 402室", phone="13912345678",
                           matters_=["MZ01"], slot=Slot(TODAY, "pm"))
    svc.lock()
    return near.id, far.id


async def test_visit_mode_serves_doors_in_order_and_marks_them(ready, printer):  # noqa: F811
    near, far = booked(ready)
    app = make_app(ready)
    async with app.run_test(size=(120, 40)) as pilot:
        await unlock(pilot)
        await pilot.press("f6")
        await wait_for(pilot, lambda: screen_name(pilot) == "VisitsScreen")
        screen = app.screen
        await wait_for(pilot, lambda: len(screen.lines) == 2)
        # 新成村 is 8 minutes from the centre, 爱里舍 12: the nearer door first.
        assert [line.appointment.id for line in screen.lines] == [near, far]
        texts = " ".join(shown_strings(screen))
        assert "张演示" in texts and "李寿星" in texts and "步行合计 14 分钟" in texts
        data = {"李寿星", "爱里舍 3号 1单元 101室", "新成村 12号 3单元 402室", near, far,
                "2026-11-23", "←→", printer.name}
        data |= {display(k) for k in VisitsScreen.KEYS}  # key caps are printed on keys
        checker = Checker(service_data(ready, data))
        assert checker.uncatalogued(screen) == []
        await pilot.press("f11")  # English: every string of visit mode is catalogued too
        await wait_for(pilot, lambda: "Planned" in " ".join(shown_strings(screen)))
        texts = " ".join(shown_strings(screen))
        assert "Planned" in texts and "Serve here" in texts and "Scheduled" in texts
        assert "计划时间" not in texts
        assert checker.uncatalogued(screen) == []
        await pilot.press("f11")

        await pilot.press("enter")  # open the first door: the serve flow, pre-filled
        await wait_for(pilot, lambda: screen_name(pilot) == "PickerScreen")
        assert app.screen.flow.visit == near
        assert app.screen.flow.resident.name == "张演示"
        await serve_mz01(pilot)
        await record(pilot)
        case = app.screen.flow.outcome.case
        assert case.visit == near
        await pilot.press("s")  # skip the rating: back to visit mode, not the desk
        await wait_for(pilot, lambda: screen_name(pilot) == "VisitsScreen")

        await pilot.press("v")
        await wait_for(pilot, lambda: screen.lines and
                       screen.lines[0].appointment.status == "visited")
        assert ready.visits.get(near).cases == (case.case_no,)

        await pilot.press("down", "n")
        await wait_for(pilot, lambda: screen_name(pilot) == "ReasonModal")
        await pilot.press(*"敲门无人", "enter")
        await wait_for(pilot, lambda: screen.lines[1].appointment.status == "no_show")
        assert ready.visits.get(far).outcome == "敲门无人"

        await pilot.press("r")
        await wait_for(pilot, lambda: screen_name(pilot) == "RescheduleModal")
        await pilot.press(*"家属改约", "enter")  # default: tomorrow morning
        await wait_for(pilot, lambda: len(screen.lines) == 1)
        moved = ready.visits.get(far)
        assert moved.status == "rescheduled" and moved.slot == Slot(date(2026, 11, 24), "am")

        await pilot.press("right")  # tomorrow: the moved visit is there
        await wait_for(pilot, lambda: [x.appointment.id for x in screen.lines] == [far])
        before = len(printer.submissions)
        await pilot.press("p", "f7")  # its slip, then the day's run sheet
        await wait_for(pilot, lambda: len(printer.submissions) == before + 2)
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_name(pilot) == "DeskScreen")
    assert app.unexpected == []
    assert not ready.enrolled  # all of it offline


async def test_serve_flow_books_a_home_visit_for_an_eligible_resident(ready, printer):  # noqa: F811
    from tests.support.tui import insert_card

    app = make_app(ready)
    async with app.run_test(size=(120, 40)) as pilot:
        await unlock(pilot)
        await insert_card(pilot, "elder")  # 张演示, 88: the panel says a visit can be booked
        assert "可预约上门服务" in " ".join(shown_strings(app.screen))
        await pilot.press("f6")
        await wait_for(pilot, lambda: screen_name(pilot) == "BookVisitScreen")
        form = app.screen
        assert form.query_one("#id_number").value == "310101193803120013"
        assert form.query_one("#name").value == "张演示"
        await pilot.press("f11")  # English and back: what is filled in stays
        await wait_for(pilot, lambda: "Contact phone" in " ".join(shown_strings(form)))
        assert "Contact phone" in " ".join(shown_strings(form))
        await pilot.press("f11")
        assert form.query_one("#name").value == "张演示"
        form.query_one("#address").value = "说不清楚的地方"  # no door: said, nothing stored
        form.query_one("#phone").value = "12345"  # not a phone number: said, nothing stored
        form.query_one("#matters").value = "MZ01 MZ04"
        form.query_one("#when").value = "2026-11-24 pm"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "找不到门牌" in str(form.query_one("#outcome").render()))
        form.query_one("#address").value = "沧海路100弄5号302室"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "电话号码不对" in str(form.query_one("#outcome").render()))
        assert ready.visits.rows() == []
        form.query_one("#phone").value = "139 1234 5678"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: form.booked is not None)
        appt = ready.visits.get(form.booked.id)
        assert appt.status == "scheduled" and appt.slot == Slot(date(2026, 11, 24), "pm")
        assert appt.matters == ("MZ01", "MZ04") and appt.source == "desk"
        assert appt.address.text == "沧海路100弄5号302室"  # the road and lane kept
        before = len(printer.submissions)
        await pilot.press("f9")
        await wait_for(pilot, lambda: len(printer.submissions) == before + 1)
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_name(pilot) == "PickerScreen")
    assert app.unexpected == []


@pytest.mark.parametrize("slotted", [True, False], ids=["on_its_day", "waiting"])
async def test_booking_twice_opens_the_existing_booking(ready, printer, slotted):  # noqa: F811
    """"请在原预约上修改": a second booking for a resident who has an open one is refused
    and the existing one is opened where it can be changed — its day's run sheet, or the
    waiting list when it has no day yet."""
    from tests.support.tui import insert_card

    ready.unlock(ready.staff()[0].id, PASSPHRASE)
    first = ready.visits.book(id_number="310101193803120013", name="张演示",
                              address="新成村 12号 3单元 402室", phone="13912345678",
                              matters_=["MZ01"], slot=Slot(TODAY, "pm") if slotted else None)
    ready.lock()
    app = make_app(ready)
    async with app.run_test(size=(120, 40)) as pilot:
        await unlock(pilot)
        await insert_card(pilot, "elder")  # 张演示 again
        await pilot.press("f6")
        await wait_for(pilot, lambda: screen_name(pilot) == "BookVisitScreen")
        form = app.screen
        form.query_one("#address").value = "沧海路100弄5号302室"
        form.query_one("#phone").value = "139 1234 5678"
        form.query_one("#matters").value = "MZ01"
        form.query_one("#when").value = "2026-11-24 pm"
        await pilot.press("ctrl+s")
        wanted = "VisitsScreen" if slotted else "WaitingScreen"
        await wait_for(pilot, lambda: screen_name(pilot) == wanted)
        opened = app.screen

        def cursor_on_it() -> str | None:
            row = opened.current()  # an appointment (visit mode) or a summary (waiting list)
            return getattr(row, "visit_id", None) or getattr(row, "id", None)

        await wait_for(pilot, lambda: cursor_on_it() == first.id)
        assert form.booked is None
        assert [r.visit_id for r in ready.visits.rows()] == [first.id]  # nothing new stored
    assert app.unexpected == []
