"""Every string the UI shows comes from the message catalogue (or is data).

Walks every screen, collects what each widget displays and fails on any residue that a
catalogue template or the station's data does not explain — a literal UI string.
"""

from __future__ import annotations

import pytest

from shared.i18n import set_locale, t
from station.tui.palette import COMMANDS
from tests.support.tui import (
    PASSPHRASE,
    insert_card,
    make_app,
    palette_hits,
    screen_name,
    unlock,
    wait_for,
)
from tests.tui.textcheck import Checker, service_data, shown_strings

pytestmark = [pytest.mark.anyio, pytest.mark.slow]  # every screen, both languages


def test_checker_catches_a_literal_string(ready):
    checker = Checker(service_data(ready))
    assert checker.residue("请核对：MZ01 敬老卡申领") == ""
    assert checker.residue("已记录，业务编号 TESTAB-261123-001") == ""
    assert checker.residue("Submit the form") != ""
    assert checker.residue("敬老卡申领 提交表单") != ""


class Walk:
    def __init__(self, pilot, checker: Checker) -> None:
        self.pilot = pilot
        self.checker = checker
        self.seen: list[str] = []
        self.bad: list[tuple[str, str, str]] = []

    async def check(self) -> None:
        await self.pilot.pause()  # what is queued for the screen is handled first
        screen = self.pilot.app.screen
        self.seen.append(type(screen).__name__)
        for shown, residue in self.checker.uncatalogued(screen):
            self.bad.append((type(screen).__name__, shown, residue))

    async def until(self, name: str) -> None:
        await wait_for(self.pilot, lambda: screen_name(self.pilot) == name)
        await self.check()


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
async def test_first_run_strings_are_catalogued(new_station, locale):
    set_locale(locale)
    app = make_app(new_station)
    async with app.run_test(size=(80, 24)) as pilot:
        walk = Walk(pilot, Checker(service_data(new_station)))
        await walk.until("FirstRunScreen")
        await pilot.press("ctrl+s")  # empty form: an error shows
        error = app.screen.query_one("#error")
        await wait_for(pilot, lambda: str(error.visual))
        await walk.check()
    assert walk.bad == []


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
async def test_every_screen_shows_only_catalogued_strings(ready, printer, locale):
    set_locale(locale)
    app = make_app(ready, language=locale)  # as `station --lang`: over the stored language
    async with app.run_test(size=(100, 30)) as pilot:
        walk = Walk(pilot, Checker(service_data(ready, {printer.name})))
        await walk.until("UnlockScreen")
        await pilot.press(*"wrongpass1", "enter")
        message = app.screen.query_one("#message")
        await wait_for(pilot, lambda: str(message.visual) not in ("", t("tui.unlock.checking")))
        await walk.check()
        await pilot.press(*PASSPHRASE, "enter")
        await walk.until("DeskScreen")
        await pilot.press("ctrl+c")  # the reflex to quit: told how, in the catalogue's words
        await walk.check()
        await pilot.press("ctrl+p")
        await walk.until("CommandPalette")
        await wait_for(pilot, lambda: len(palette_hits(pilot)) == len(COMMANDS))  # discovery
        await walk.check()
        assert any(t("tui.cmd.cases") in shown for shown in shown_strings(app.screen))
        await pilot.press(*"idle_settings")
        await wait_for(pilot, lambda: palette_hits(pilot) == [t("tui.cmd.idle")])
        await walk.check()
        await pilot.press("enter")
        await walk.until("IdleLockModal")
        app.screen.query_one("#minutes").value = "0"
        await pilot.press("enter")
        await walk.check()
        await pilot.press("escape")
        await walk.until("DeskScreen")
        await pilot.press("f4")
        await walk.until("TrainingCardScreen")
        await pilot.press("escape")
        await pilot.press("f2")
        await walk.until("IdentifyScreen")
        await pilot.press(*"31010519450101001", "2")  # wrong check digit
        await walk.check()
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_name(pilot) == "DeskScreen")
        await insert_card(pilot, "elder")
        await walk.check()
        await pilot.press("f2", "f3")  # by line, by menu
        await walk.check()
        await pilot.press("f2", "f2", "f2", "f2", "f2", "f2", "f2", "f2", "f3", "f3", "f3", "f3",
                          "f3", *"jlk", "enter")
        await walk.until("GuideScreen")
        await pilot.press("space", "enter")
        await walk.until("DetailsScreen")
        details = app.screen
        details.set_focus(details.query_one("#field-0"))  # the contact phone (optional)
        await pilot.press(*"123", "enter")  # a bad phone number
        await walk.check()
        await pilot.press(*(["backspace"] * 3), *"13912345678")
        details.query_one("#agent").value = True  # the agent box shows
        await walk.check()
        details.query_one("#agent").value = False
        details.set_focus(details.query_one("#delivery"))
        await pilot.press("enter")
        await walk.until("ConfirmScreen")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen.state == "recorded")
        await walk.check()
        await pilot.press("4")
        await walk.until("DeskScreen")
        await pilot.press("f3")
        await walk.until("CasesScreen")
        await pilot.press("enter")
        await walk.until("CaseScreen")
        await pilot.press("m")
        await walk.until("AmendScreen")
        await pilot.press("ctrl+s")
        await walk.until("ReasonModal")
        await pilot.press("enter")
        await walk.check()
        await pilot.press("escape", "escape")
        await walk.until("CaseScreen")
        await pilot.press("f1")
        await walk.until("HelpScreen")
        await pilot.press("escape", "ctrl+l")
        await walk.until("UnlockScreen")
    assert app.unexpected == []
    assert walk.bad == [], walk.bad
    assert len(set(walk.seen)) >= 15


async def test_shown_text_helper_sees_personal_data(ready):
    """Guards the walk above: the collector really reads what widgets show."""
    app = make_app(ready)
    async with app.run_test(size=(100, 30)) as pilot:
        await unlock(pilot)
        await insert_card(pilot, "elder")
        assert any("张演示" in s for s in shown_strings(app.screen))
