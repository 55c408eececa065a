"""Names are data: hostile names stored as a bad row would hold them show literally on
every screen, and trigger nothing (issue 16: a resident called `[@click=app.quit]x[/]`
quit the app when clicked; `[/]x` broke the visit list on every redraw)."""

from __future__ import annotations

import re
from contextlib import contextmanager
from unittest import mock

import pytest

from shared import text
from station.cases.model import CaseDraft
from station.people import check_char
from station.visits.model import Slot
from tests.support.station import NOW
from tests.support.tui import PASSPHRASE, TYPED_ID, make_app, screen_name, wait_for
from tests.tui.textcheck import shown_strings

pytestmark = pytest.mark.anyio

HOSTILE = ["[@click=app.quit]x[/]", "[/]x", "[red]x", "\x1b[2Jx"]
ESCAPED = "\\x1b[2Jx"  # how the control one must appear: visibly written out
ADDRESSES = ["新成村 12号 3单元 402室", "爱里舍 3号 1单元 101室"]


def expected(name: str) -> str:
    return ESCAPED if name.startswith("\x1b") else name


def elder_id(n: int) -> str:
    first17 = f"31010119380312{n:03d}"
    return first17 + check_char(first17)


@contextmanager
def no_input_checks():
    """Store names the input check would refuse, as a hostile or older row holds them."""
    never = re.compile(r"(?!)")
    with mock.patch.object(text, "FORBIDDEN", never), \
            mock.patch.object(text, "FORBIDDEN_MULTILINE", never):
        yield


def seed(service) -> dict[str, str]:
    """Station, site, staff, four cases and four home visits, all with hostile names."""
    with no_input_checks():
        member = service.initialise(name=HOSTILE[0] + "站", sites=[HOSTILE[3], HOSTILE[1]],
                                    staff_name=HOSTILE[2], passphrase=PASSPHRASE)
        service.start_outing(HOSTILE[3], [member.id])
        cases = {}
        for i, name in enumerate(HOSTILE):
            resident = service.resident(elder_id(i + 1), name)
            guide = service.matter_guide("MZ01", resident)
            draft = CaseDraft(resident=resident, matter="MZ01",
                              answers={"phone": "13812345678", "payout": "社保卡（敬老卡）"},
                              materials=frozenset(m.code for m in guide.materials
                                                  if m.required), delivery="centre")
            cases[name] = service.record_case(draft).case.case_no
            service.visits.book(id_number=elder_id(i + 11), name=name,
                                address=ADDRESSES[i % 2], phone="13912345678",
                                matters_=["MZ01"], slot=Slot(NOW.date(), "am" if i < 2 else "pm"))
    service.lock()
    return cases


def check_screen(app, names: list[str]) -> str:
    """The screen draws (no MarkupError), shows each name literally, sends no ESC."""
    assert app.is_running and app.return_code is None
    shown = "\n".join(shown_strings(app.screen))
    for name in names:
        assert expected(name) in shown, (screen_name_of(app), name, shown[:400])
    assert "\x1b" not in shown
    svg = app.export_screenshot()  # the whole render path, as the terminal gets it
    assert "\x1b" not in svg
    return shown


def screen_name_of(app) -> str:
    return type(app.screen).__name__


async def click_each(pilot, app, widget_query: str) -> None:
    """Click across a widget that shows hostile names: nothing may happen but what a
    click on that widget does anyway (a table row opens its visit: go back)."""
    here = screen_name_of(app)
    region = app.screen.query_one(widget_query).region
    for y in range(min(region.height, 4)):
        for x in range(0, min(region.width, 40), 5):
            await pilot.click(widget_query, offset=(x, y))
            await pilot.pause()
            assert app.is_running and app.return_code is None
            if screen_name_of(app) != here:
                await pilot.press("escape")
                await wait_for(pilot, lambda: screen_name_of(app) == here)


@pytest.mark.slow  # every screen, one by one
async def test_hostile_names_show_literally_on_every_screen(ready_hostile):
    service, cases = ready_hostile
    app = make_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: screen_name(pilot) == "UnlockScreen")
        check_screen(app, [HOSTILE[2]])  # the staff list
        await pilot.press(*PASSPHRASE, "enter")
        await wait_for(pilot, lambda: screen_name(pilot) == "DeskScreen")
        await pilot.pause()
        # the heading holds the station name, the status bar the staff and the site
        check_screen(app, [HOSTILE[0] + "站", HOSTILE[2], HOSTILE[3]])
        await click_each(pilot, app, "#heading")

        await pilot.press("f3")
        await wait_for(pilot, lambda: screen_name(pilot) == "CasesScreen")
        await wait_for(pilot, lambda: len(app.screen.cases) == 4)
        check_screen(app, [HOSTILE[2]])
        for name in HOSTILE:
            await pilot.press("slash", *cases[name], "enter")
            await pilot.pause()
            await pilot.press("enter")
            await wait_for(pilot, lambda: screen_name(pilot) == "CaseScreen")
            check_screen(app, [name])
            await click_each(pilot, app, "#detail")
            if name == HOSTILE[1]:  # the amend form draws from the same stored case
                await pilot.press("m")
                await wait_for(pilot, lambda: screen_name(pilot) == "AmendScreen")
                check_screen(app, [])
                await pilot.press("escape")
                await wait_for(pilot, lambda: screen_name(pilot) == "CaseScreen")
            await pilot.press("escape")
            await wait_for(pilot, lambda: screen_name(pilot) == "CasesScreen")
            await pilot.press("slash", *(["backspace"] * 20), "enter")
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_name(pilot) == "DeskScreen")

        # visit mode: the list that MarkupError used to blank, then serving at each door
        await pilot.press("f6")
        await wait_for(pilot, lambda: screen_name(pilot) == "VisitsScreen")
        screen = app.screen
        await wait_for(pilot, lambda: len(screen.lines) == 4)
        check_screen(app, HOSTILE)
        await click_each(pilot, app, "#visits")
        for row, line in enumerate(screen.lines):
            screen.query_one("#visits").move_cursor(row=row)
            await pilot.press("enter")
            await wait_for(pilot, lambda: screen_name(pilot) == "PickerScreen")
            check_screen(app, [line.appointment.name])
            await click_each(pilot, app, "#resident")
            await pilot.press(*"jlk", "enter")
            await wait_for(pilot, lambda: screen_name(pilot) == "GuideScreen")
            check_screen(app, [line.appointment.name])
            await pilot.press("a", "enter")
            await wait_for(pilot, lambda: screen_name(pilot) == "DetailsScreen")
            check_screen(app, [line.appointment.name])
            await pilot.press("enter")
            if line.appointment.name.startswith("\x1b"):
                # a stored name the input check refuses cannot go on a new case: said so
                await wait_for(pilot, lambda: "U+001B" in str(
                    app.screen.query_one("#form_error").visual))
                check_screen(app, [line.appointment.name])
            else:
                await wait_for(pilot, lambda: screen_name(pilot) == "ConfirmScreen")
                check_screen(app, [line.appointment.name])
                await click_each(pilot, app, "#resident")
            for _ in range(4):
                if screen_name(pilot) == "VisitsScreen":
                    break
                await pilot.press("escape")
                await pilot.pause()
            await wait_for(pilot, lambda: screen_name(pilot) == "VisitsScreen")
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_name(pilot) == "DeskScreen")

        await pilot.press("f10")  # reports: sites and staff in the table
        await wait_for(pilot, lambda: screen_name(pilot) == "ReportsScreen")
        await wait_for(pilot, lambda: app.screen.query_one("#groups").row_count > 0)
        check_screen(app, [])
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_name(pilot) == "DeskScreen")
        await pilot.press("f1")
        await wait_for(pilot, lambda: screen_name(pilot) == "HelpScreen")
        check_screen(app, [])
        await pilot.press("escape")
        # a notification quoting a hostile name is not markup either
        app.notify(HOSTILE[0])
        await pilot.pause()
        assert app.is_running
        assert app._notifications and not any(n.markup for n in app._notifications)
        assert app.is_running and app.return_code is None
    assert app.return_code in (None, 0)


@pytest.fixture
def ready_hostile(new_station):
    return new_station, seed(new_station)


async def test_typed_control_characters_are_refused_with_a_message(new_station):
    """First run and the identify screen: a name holding a direction override or ESC
    (pasted from elsewhere) is refused with the field named, and nothing is stored."""
    app = make_app(new_station)
    async with app.run_test(size=(100, 34)) as pilot:
        await wait_for(pilot, lambda: screen_name(pilot) == "FirstRunScreen")
        screen = app.screen
        screen.query_one("#name").value = "新\u202e办事厅"
        screen.query_one("#more_sites").value = "新成村"
        screen.query_one("#staff").value = "李工作"
        screen.query_one("#pass1").value = PASSPHRASE
        screen.query_one("#pass2").value = PASSPHRASE
        screen.query_one("#pass2").focus()
        await pilot.press("enter")
        error = screen.query_one("#error")
        await wait_for(pilot, lambda: "U+202E" in str(error.visual))
        assert "办事点名称" in str(error.visual) and not new_station.initialised
        screen.query_one("#name").value = "新办事厅"
        screen.query_one("#staff").value = "李\x1b]0;x\x07工作"
        screen.query_one("#pass2").focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: "U+001B" in str(error.visual))
        assert "\x1b" not in str(error.visual) and not new_station.initialised
        screen.query_one("#staff").value = "李工作"
        screen.query_one("#pass2").focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen_name(pilot) in ("OutingScreen", "DeskScreen"))
        if screen_name(pilot) == "OutingScreen":
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: screen_name(pilot) == "DeskScreen")

        await pilot.press("f2")
        await wait_for(pilot, lambda: screen_name(pilot) == "IdentifyScreen")
        screen = app.screen
        screen.query_one("#id_number").value = TYPED_ID
        screen.query_one("#name").value = "王\x1b[2J小明"
        screen.query_one("#name").focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: "U+001B" in str(screen.query_one("#error").visual))
        assert screen_name(pilot) == "IdentifyScreen"
        screen.query_one("#name").value = "王小明"
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen_name(pilot) == "PickerScreen")
