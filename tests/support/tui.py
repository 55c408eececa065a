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


async def wait_for(pilot, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    """Let workers and messages run until ``predicate`` holds."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not predicate():
        if loop.time() > end:
            raise AssertionError(f"timed out waiting; screen is {type(pilot.app.screen).__name__}")
        await pilot.pause(0.02)


def screen_name(pilot) -> str:
    return type(pilot.app.screen).__name__


async def unlock(pilot, passphrase: str = PASSPHRASE) -> None:
    await wait_for(pilot, lambda: screen_name(pilot) == "UnlockScreen")
    await pilot.press(*passphrase, "enter")
    await wait_for(pilot, lambda: screen_name(pilot) == "DeskScreen")
    await pilot.pause()


async def insert_card(pilot, key: str = "elder") -> None:
    pilot.app.service.insert_training_card(key)
    await wait_for(pilot, lambda: screen_name(pilot) == "PickerScreen")
    await pilot.pause()


@pytest.fixture
def anyio_backend() -> str:
    # Pilot tests are async; anyio's pytest plugin (installed with httpx) runs them.
    return "asyncio"
