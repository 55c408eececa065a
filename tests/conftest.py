"""Shared test set-up: every test gets its own station home, so none touches a real one.

Fixtures more than one folder uses are registered here once, from tests/support; helpers
are imported by their package path (``tests.<folder>.<module>``), not by path edits."""

from __future__ import annotations

import pytest

pytest_plugins = [
    "tests.support.tiers",
    "tests.support.cups",
    "tests.support.centre",
    "tests.support.station_fixtures",
]


@pytest.fixture(autouse=True)
def _isolated_station_home(tmp_path_factory, monkeypatch):
    home = tmp_path_factory.mktemp("station-home")
    monkeypatch.setenv("STATION_HOME", str(home))
    monkeypatch.delenv("STATION_LANG", raising=False)
    from shared import i18n

    previous = i18n.get_locale()
    i18n.set_locale("zh_CN")
    yield home
    i18n.set_locale(previous)
