"""Unlock, failures, idle lock hiding personal data, and returning to where staff were."""

from __future__ import annotations

import pytest

from shared.i18n import t
from tests.support.tui import (
    PASSPHRASE,
    insert_card,
    make_app,
    palette_run,
    screen_name,
    unlock,
    wait_for,
    wait_ticks,
)
from tests.tui.textcheck import shown_strings

pytestmark = pytest.mark.anyio


async def test_wrong_passphrase_is_counted_and_delayed(ready):
    app = make_app(ready)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: screen_name(pilot) == "UnlockScreen")
        await pilot.press(*"wrongpass1", "enter")
        message = app.screen.query_one("#message")
        await wait_for(pilot, lambda: "1 次" in str(message.visual))
        assert screen_name(pilot) == "UnlockScreen"
        assert ready.locked
        await pilot.press(*"wrongpass2", "enter")
        await wait_for(pilot, lambda: "2 次" in str(message.visual))
        box = app.screen.query_one("#passphrase")
        if app.screen.waiting:  # a back-off: the field is held until the countdown ends
            assert box.disabled
            assert "秒" in str(message.visual)
        await wait_for(pilot, lambda: not box.disabled)
        await pilot.press(*PASSPHRASE, "enter")
        await wait_for(pilot, lambda: screen_name(pilot) == "DeskScreen")
        assert not ready.locked


async def test_idle_lock_hides_personal_data_and_returns(ready, clock):
    app = make_app(ready, idle_check_s=0.05)
    async with app.run_test(size=(100, 30)) as pilot:
        await unlock(pilot)
        await insert_card(pilot, "elder")
        assert "张演示" in " ".join(shown_strings(app.screen))
        clock.advance(minutes=ready.idle_lock_minutes, seconds=1)
        await wait_for(pilot, lambda: screen_name(pilot) == "UnlockScreen")
        assert ready.locked
        shown = " ".join(shown_strings(app.screen))
        assert "张演示" not in shown and "0013" not in shown
        # What the terminal actually draws holds no personal data either.
        svg = app.export_screenshot()
        assert "张演示" not in svg and "0013" not in svg
        await pilot.press(*PASSPHRASE, "enter")
        await wait_for(pilot, lambda: screen_name(pilot) == "PickerScreen")
        assert "张演示" in " ".join(shown_strings(app.screen))


async def test_manual_lock_key(ready):
    app = make_app(ready)
    async with app.run_test(size=(100, 30)) as pilot:
        await unlock(pilot)
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: screen_name(pilot) == "UnlockScreen")
        assert ready.locked
        # a card inserted while locked starts nothing
        ready.insert_training_card("elder")  # its event is posted before this returns
        await pilot.pause()  # ... and handled before the pause ends
        assert screen_name(pilot) == "UnlockScreen"
        await pilot.press(*PASSPHRASE, "enter")
        await wait_for(pilot, lambda: screen_name(pilot) == "DeskScreen")


async def test_idle_minutes_are_configurable_from_the_palette(ready, clock, monkeypatch):
    checks: list[bool] = []  # every idle check the app makes, so "not yet" can be shown
    check = ready.lock_if_idle
    monkeypatch.setattr(ready, "lock_if_idle", lambda: checks.append(True) or check())
    app = make_app(ready, idle_check_s=0.05)
    async with app.run_test(size=(100, 30)) as pilot:
        await unlock(pilot)
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: screen_name(pilot) == "CommandPalette")
        await palette_run(pilot, "idle_settings", t("tui.cmd.idle"))
        await wait_for(pilot, lambda: screen_name(pilot) == "IdleLockModal")
        box = app.screen.query_one("#minutes")
        assert box.value == "5"
        box.value = "500"
        await pilot.press("enter")
        error = app.screen.query_one("#error")
        await wait_for(pilot, lambda: str(error.visual))  # out of range, said inline
        assert screen_name(pilot) == "IdleLockModal" and ready.idle_lock_minutes == 5
        box.value = "2"
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen_name(pilot) == "DeskScreen")
        assert ready.idle_lock_minutes == 2
        clock.advance(minutes=1)
        await wait_ticks(pilot, checks)  # the app looked twice, and did not lock
        assert screen_name(pilot) == "DeskScreen" and not ready.locked
        clock.advance(minutes=1, seconds=1)
        await wait_for(pilot, lambda: screen_name(pilot) == "UnlockScreen")
