"""Pilot set-up shared by the TUI, reports and visit-mode tests: the shared station
fixtures (tests/support/station_fixtures.py: real queue, crypto and catalogue with the
simulated card reader, the fake printer and a fixed clock) made reproducible on screen,
and helpers to drive the app.

Folders use the fixtures by importing them (tests/tui/conftest.py does, so do the other
folders' TUI test modules); the helpers keep one registry of apps, so the check for
unexpected UI errors sees every app any of them made."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest

PASSPHRASE = "correcthorse42"
STAFF = "王小明"
SITE = "新成村"
STATION = "测试街道流动办事厅"
TYPED_ID = "310105194501010011"  # a valid number (check digit 1), aged 81 on NOW


@pytest.fixture
def new_station(fresh, monkeypatch):
    """The shared ``fresh`` station (tests/support/station_fixtures.py) with reproducible
    screens: the station id starts every case number (the queue stamps records with the
    service's clock); times show in the station's zone on any machine."""
    from station import config

    monkeypatch.setattr(config, "new_station_id", lambda: "TESTAB")
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    yield fresh
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def ready(new_station):
    """A station that went through first run and today's outing, then was locked."""
    member = new_station.initialise(name=STATION, sites=[SITE, "爱里舍"], staff_name=STAFF,
                                    passphrase=PASSPHRASE)
    new_station.start_outing(SITE, [member.id])
    new_station.lock()
    return new_station


APPS: list = []


def make_app(service, **kwargs):
    from station.tui.app import StationApp

    app = StationApp(service, watch_status=False, **kwargs)
    APPS.append(app)
    return app


@pytest.fixture(autouse=True)
def _no_unexpected_errors():
    """The app turns unexpected errors into a generic message (no traceback on screen);
    in tests every such error is a failure unless the test consumed it."""
    APPS.clear()
    yield
    for app in APPS:
        assert app.unexpected == [], f"unexpected errors in the UI: {app.unexpected}"
    APPS.clear()


async def wait_for(pilot, predicate: Callable[[], bool], timeout: float = 120.0) -> None:
    """Let workers and messages run until ``predicate`` holds, then until the screen then
    shown has handled what is queued for it (a screen just pushed has composed and run
    its on_mount), so the next step never races a screen still being built.

    The limit is a last guard only: on a loaded machine an unlock (Argon2id) or a worker
    may take ten times as long as on a quiet one."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not predicate():
        if loop.time() > end:
            raise AssertionError(f"timed out waiting; screen is {type(pilot.app.screen).__name__}")
        await pilot.pause(0.02)
    await pilot.pause()


async def wait_ticks(pilot, calls: list, n: int = 2) -> None:
    """Wait until a periodic check recorded in ``calls`` has run ``n`` more times: how a
    test shows that something did NOT happen, whatever the machine's speed."""
    start = len(calls)
    await wait_for(pilot, lambda: len(calls) >= start + n)


def screen_name(pilot) -> str:
    return type(pilot.app.screen).__name__


def palette_hits(pilot) -> list[str]:
    """The commands the open command palette lists now (its search runs in the
    background, so what it lists trails what was typed)."""
    from textual.command import CommandList

    if screen_name(pilot) != "CommandPalette":
        return []
    found = pilot.app.screen.query(CommandList)
    if not found:
        return []
    hits = found.first()
    return [str(hits.get_option_at_index(i).prompt) for i in range(hits.option_count)]


async def palette_run(pilot, query: str, label: str) -> None:
    """Type ``query`` in the open palette, wait until it lists ``label`` alone, then Enter
    (with a single hit listed, Enter runs it)."""
    await pilot.press(*query)
    await wait_for(pilot, lambda: palette_hits(pilot) == [label])
    await pilot.press("enter")


async def unlock(pilot, passphrase: str = PASSPHRASE) -> None:
    await wait_for(pilot, lambda: screen_name(pilot) == "UnlockScreen")
    await pilot.press(*passphrase, "enter")
    await wait_for(pilot, lambda: screen_name(pilot) == "DeskScreen")
    await settle(pilot)


async def settle(pilot) -> None:
    """Let the background calls under way land (the desk's list, the status bar, the
    search index): threads finish when they finish, not after a pause of some length."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def insert_card(pilot, key: str = "elder") -> None:
    pilot.app.service.insert_training_card(key)
    await wait_for(pilot, lambda: screen_name(pilot) == "PickerScreen")
    await settle(pilot)


@pytest.fixture
def anyio_backend() -> str:
    # Pilot tests are async; anyio's pytest plugin (installed with httpx) runs them.
    return "asyncio"
