"""Every key the key bar and the help list does something, on every screen that lists it
(issue 17: the help promised ``Tab 下一项`` on 填写信息 while Tab was bound to nothing).

Each screen is reached with the data its keys need, then each key is pressed from the
same starting point and something must change: the screens shown, the focus, a cursor,
the text on screen, a toast, the theme or language, what was printed or stored. The keys
come from the same tables the help is drawn from (``help_sections``), so a key added to a
screen is tested without editing this file."""

from __future__ import annotations

from datetime import date

import pytest
from textual.widgets import DataTable, OptionList, RadioSet

from shared.i18n import get_locale
from station.cases.model import CaseDraft
from station.tui.screens.help import help_sections
from station.visits.model import Slot
from tests.support.tui import PASSPHRASE, TYPED_ID, make_app, screen_name, unlock, wait_for
from tests.tui.test_narrow import screen_text
from tests.tui.zhcheck import english_words

pytestmark = [pytest.mark.anyio, pytest.mark.slow]  # every key of every screen
TODAY = date(2026, 11, 23)  # the suite's clock
ELDER_2 = "310101193803120013"


def listed() -> dict[str, list[str]]:
    """Screen class name (or "global") → every key its help section lists."""
    out: dict[str, list[str]] = {}
    for section in help_sections():
        name = section.screen.__name__ if section.screen is not None else "global"
        out[name] = [k for row in section.rows for k in row.keys]
    return out


def fingerprint(app) -> tuple:
    screen = app.screen
    cursors = []
    for w in screen.query("*"):
        if isinstance(w, DataTable):
            cursors.append((w.cursor_coordinate, w.row_count))
        elif isinstance(w, OptionList):
            cursors.append((w.highlighted, tuple(getattr(w, "selected", ()))))
        elif isinstance(w, RadioSet):
            cursors.append((w._selected, w.pressed_index))
    printer = app.service.session.printer()
    return (tuple(type(s).__name__ for s in app.screen_stack), id(app.focused), app.theme,
            get_locale(), len(app._notifications), screen_text(app), tuple(cursors),
            app.clipboard, app.service.locked, len(getattr(printer, "submissions", ())),
            app.service.status().pending, getattr(screen, "state", None))


def seed(service) -> dict[str, str]:
    """Data the keys act on: a case, a door to visit today, a request waiting for a date."""
    service.unlock(service.staff()[0].id, PASSPHRASE)
    draft = CaseDraft(resident=service.resident(TYPED_ID, "钱测试"), matter="MZ01",
                      answers={"payout": "社保卡（敬老卡）"}, materials=frozenset({"id"}))
    case_no = service.record_case(draft).case.case_no
    door = service.visits.book(id_number=ELDER_2, name="张演示", address="新成村 12号 3单元 402室",
                               phone="13912345678", matters_=["MZ01"], slot=Slot(TODAY, "pm"))
    waiting = service.visits.book(id_number="310105194202020017", name="李寿星",
                                  address="爱里舍 3号 1单元 101室", phone="02164001234",
                                  matters_=["MZ01"])
    service.lock()
    return {"case": case_no, "door": door.id, "waiting": waiting.id}


def flow_for(app, *, answered: bool = False):
    from station.tui.flow import ServeFlow

    resident = app.service.resident(TYPED_ID, "钱测试")
    flow = ServeFlow(resident, guide=app.service.matter_guide("MZ01", resident))
    if answered:
        flow.answers = {"payout": "社保卡（敬老卡）"}
        flow.ticked = {"id", "form"}
        flow.delivery = "centre"
    return flow


def build(app, name: str, data: dict[str, str]):
    """A fresh instance of the screen ``name`` with what its keys need."""
    from station.tui.screens import (
        amend,
        book_visit,
        case,
        cases,
        confirm,
        details,
        duplicate,
        guide,
        help,
        identify,
        picker,
        reason,
        reports,
        settings,
        training,
        visits,
        visits_change,
        waiting,
    )

    svc = app.service
    makers = {
        "IdentifyScreen": lambda: identify.IdentifyScreen(),
        "PickerScreen": lambda: picker.PickerScreen(flow_for(app)),
        "GuideScreen": lambda: guide.GuideScreen(flow_for(app)),
        "DetailsScreen": lambda: details.DetailsScreen(flow_for(app, answered=True)),
        "ConfirmScreen": lambda: confirm.ConfirmScreen(flow_for(app, answered=True)),
        "CasesScreen": lambda: cases.CasesScreen(),
        "CaseScreen": lambda: case.CaseScreen(data["case"]),
        "AmendScreen": lambda: amend.AmendScreen(svc.open_case(data["case"]),
                                                 svc.matter_guide("MZ01")),
        "ReasonModal": lambda: reason.ReasonModal("?"),
        "DuplicateModal": lambda: duplicate.DuplicateModal(["?"]),
        "IdleLockModal": lambda: settings.IdleLockModal(),
        "TrainingCardScreen": lambda: training.TrainingCardScreen(svc.training_cards()),
        "HelpScreen": lambda: help.HelpScreen(),
        "BookVisitScreen": lambda: book_visit.BookVisitScreen(),
        "ReportsScreen": lambda: reports.ReportsScreen(),
        "VisitsScreen": lambda: visits.VisitsScreen(TODAY),
        "RescheduleModal": lambda: visits_change.RescheduleModal(TODAY),
        "WaitingScreen": lambda: waiting.WaitingScreen(),
    }
    return makers[name]()


async def settle(pilot) -> None:
    """Let the screen's background loads land (a list filled, a status shown)."""
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def reach(pilot, name: str, data: dict[str, str]) -> None:
    app = pilot.app
    while len(app.screen_stack) > 2:  # the default screen, then the desk
        app.pop_screen()
        await pilot.pause()
    if app.screen_stack and screen_name(pilot) == "UnlockScreen":
        await unlock(pilot)
    await wait_for(pilot, lambda: screen_name(pilot) == "DeskScreen")
    if name != "DeskScreen":
        app.push_screen(build(app, name, data))
        await wait_for(pilot, lambda: screen_name(pilot) == name and app.screen.is_mounted)
    await settle(pilot)


# Lines with an English word seen in zh mode, by screen and key (checked after each test).
ENGLISH: dict[str, list[str]] = {}


def look_for_english(app, where: str) -> None:
    """In zh mode, what the key led to — screen and toasts — holds no English word."""
    if get_locale() != "zh_CN":
        return
    text = "\n".join([screen_text(app), *(n.message for n in app._notifications)])
    printer = app.service.session.printer()
    bad = english_words(text, {getattr(printer, "name", "")})
    seen = ENGLISH.setdefault(where, []) if bad else []
    seen += [b for b in bad if b not in seen]


@pytest.fixture(autouse=True)
def _one_language():
    ENGLISH.clear()
    yield
    assert not ENGLISH, "English in zh mode:\n" + "\n".join(
        f"{where}: {line}" for where, lines in ENGLISH.items() for line in lines)


async def press_and_see(pilot, key: str, where: str) -> None:
    app = pilot.app
    before = fingerprint(app)
    look_for_english(app, where)
    await pilot.press(key)
    try:
        await wait_for(pilot, lambda: fingerprint(app) != before)
    except AssertionError:
        raise AssertionError(f"{key} on {where}: nothing happened") from None
    look_for_english(app, f"{where} after {key}")


# What a key needs first, when its screen's starting point gives it nothing to act on.
BEFORE = {
    # Ratings come after recording.
    **{("ConfirmScreen", k): ("enter",) for k in ("1", "2", "3", "4", "5", "s")},
    # ↑ needs a row below the first to come back from.
    ("PickerScreen", "up"): ("down",),
    # Space and N act on a ticked list: tick one first.
    ("GuideScreen", "n"): ("space",),
    ("DetailsScreen", "shift+tab"): ("tab",),
}


async def exercise(pilot, name: str, keys: list[str], data: dict[str, str]) -> None:
    for key in keys:
        if key in ("ctrl+q",):
            continue  # leaves the app: test_quit_key
        await reach(pilot, name, data)
        if name == "ConfirmScreen" and key in ("1", "2", "3", "4", "5", "s"):
            confirm = pilot.app.screen
            confirm.action_record()
            # the seeded case is the same matter for the same resident: go on with a reason
            await wait_for(pilot, lambda: screen_name(pilot) == "DuplicateModal")
            await pilot.press(*"再次申请", "enter")
            await wait_for(pilot, lambda c=confirm: c.state == "recorded")
        else:
            for first in BEFORE.get((name, key), ()):
                await pilot.press(first)
                await settle(pilot)
        await press_and_see(pilot, key, name)


SCREENS = [n for n in listed() if n not in ("global", "UnlockScreen", "FirstRunScreen",
                                           "OutingScreen")]


@pytest.mark.parametrize("name", SCREENS)
async def test_every_listed_key_of_a_screen_does_something(ready, name):
    data = seed(ready)
    app = make_app(ready)
    async with app.run_test(size=(120, 40)) as pilot:
        await unlock(pilot)
        await exercise(pilot, name, listed()[name], data)


async def test_global_keys_do_something(ready):
    data = seed(ready)
    app = make_app(ready)
    async with app.run_test(size=(120, 40)) as pilot:
        await unlock(pilot)
        for key in listed()["global"]:
            if key == "ctrl+q":
                continue
            # Tab moves between fields: on a screen that has more than one.
            where = "DetailsScreen" if key in ("tab", "shift+tab") else "DeskScreen"
            if key in ("ctrl+c", "super+c"):
                where = "IdentifyScreen"
            await reach(pilot, where, data)
            if key in ("ctrl+c", "super+c"):
                field = app.screen.query_one("Input")
                field.value = TYPED_ID[:6]
                field.select_all()
                app.copy_to_clipboard("")
            await press_and_see(pilot, key, where)
            if key == "f11":
                assert get_locale() == "en"
                await app.action_language()  # back to Chinese, for the keys after it
                assert get_locale() == "zh_CN"
            await settle(pilot)


async def test_keys_of_the_sign_in_screens_do_something(ready):
    app = make_app(ready)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: screen_name(pilot) == "UnlockScreen")
        await settle(pilot)
        for key in listed()["UnlockScreen"]:
            await press_and_see(pilot, key, "UnlockScreen")


async def test_first_run_and_outing_keys_do_something(new_station):
    app = make_app(new_station)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: screen_name(pilot) == "FirstRunScreen")
        await settle(pilot)
        for key in listed()["FirstRunScreen"]:
            await press_and_see(pilot, key, "FirstRunScreen")  # refused: the form is empty
        screen = app.screen
        screen.query_one("#name").value = "测试街道流动办事厅"
        screen.query_one("#more_sites").value = "新成村"
        screen.query_one("#staff").value = "王小明"
        screen.query_one("#pass1").value = PASSPHRASE
        screen.query_one("#pass2").value = PASSPHRASE
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: screen_name(pilot) == "OutingScreen")
        await settle(pilot)
        for key in listed()["OutingScreen"]:
            await press_and_see(pilot, key, "OutingScreen")


async def test_quit_key(ready):
    app = make_app(ready)
    async with app.run_test(size=(120, 40)) as pilot:
        await unlock(pilot)
        assert "ctrl+q" in listed()["global"]
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: app._exit_renderables is not None or not app.is_running
                       or app.return_code is not None)
