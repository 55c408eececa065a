"""Test tiers: ``unit``, ``tui``, ``daemon`` and ``slow``, given to every test at collection.

A test is ``daemon`` when it needs a fixture that starts a real daemon (pcscd with vpcd,
cupsd, PostgreSQL, Chromium, a served centre), when it is the ``postgresql`` case of a
test run on both backends (that case needs the session's PostgreSQL cluster, however it
asks for it), or when it carries ``@pytest.mark.daemon`` because it starts one in its
body; ``tui`` when it drives the Textual app through Pilot (its module is in tests/tui
or is named for the TUI, e.g. ``test_visits_tui.py``) — each such test builds an app and
waits on it, seconds rather than milliseconds; ``unit`` when it is none of these. Fixtures
that start daemons say so with ``@daemon_fixture`` so their tests are classified without
anyone remembering, and a test left in the unit tier that starts a daemon anyway fails
with a message naming the daemon, so no daemon slips into ``pytest -m unit`` unnoticed.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

# The fixture functions that start daemons, by identity: a name alone would also catch an
# unrelated fixture of the same name elsewhere (tests/queue's ``centre`` is a key pair).
DAEMON_FIXTURES: set[Callable] = set()

# Executables that are daemons in the sense of the tiers (by base name).
DAEMONS = frozenset({"pcscd", "cupsd", "initdb", "pg_ctl", "postgres", "chromium",
                     "chromium-browser", "chrome", "nginx"})


def daemon_fixture(*args: Any, **kwargs: Any) -> Callable:
    """``@pytest.fixture`` for a fixture that starts a daemon: every test that uses it,
    directly or through another fixture, is in the ``daemon`` tier."""
    if args and callable(args[0]):
        DAEMON_FIXTURES.add(args[0])
        return pytest.fixture(args[0])

    def register(fn: Callable) -> Callable:
        DAEMON_FIXTURES.add(fn)
        return pytest.fixture(*args, **kwargs)(fn)

    return register


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_postgres = callspec is not None and "postgresql" in callspec.params.values()
        if ((_uses_a_daemon_fixture(item) or on_postgres)
                and item.get_closest_marker("daemon") is None):
            item.add_marker(pytest.mark.daemon)
        if _drives_the_tui(item) and item.get_closest_marker("tui") is None:
            item.add_marker(pytest.mark.tui)
        if not any(item.get_closest_marker(tier) for tier in ("daemon", "slow", "tui")):
            item.add_marker(pytest.mark.unit)


def _uses_a_daemon_fixture(item: pytest.Item) -> bool:
    """Whether a fixture this test resolves (directly or through others) starts a daemon:
    per name, the definition that applies to this test (pytest's last visible one), and
    the ones below it that an override of the same name requests."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return False
    for name in info.names_closure:
        for fixturedef in reversed(info.name2fixturedefs.get(name, ())):
            if fixturedef.func in DAEMON_FIXTURES:
                return True
            if name not in fixturedef.argnames:  # not an override asking for its parent
                break
    return False


def _drives_the_tui(item: pytest.Item) -> bool:
    path = getattr(item, "path", None)
    return path is not None and (_tui_path(path.parent) or _tui_path(path))


def _tui_path(path: Path) -> bool:
    return "tui" in path.stem.split("_")


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """``-m unit`` does not even import the Pilot tests' modules: the ``tui`` tier is given
    by path, so none of them could be selected, and importing them (Textual, snapshots)
    is a large share of the quick tier's start-up on every xdist worker."""
    if config.getoption("markexpr", "") == "unit" and _tui_path(collection_path):
        return True
    return None


def daemon_in(args: Any) -> str | None:
    """The daemon a command line starts, if any: a known daemon executable (as the
    command or as a path handed to a wrapper such as ``runuser`` or ``unshare``), or
    ``center serve``."""
    argv = [os.fspath(a) for a in args] if isinstance(args, Sequence) and not isinstance(
        args, str | bytes) else [os.fspath(args)]
    argv = [a.decode() if isinstance(a, bytes) else a for a in argv]
    for i, arg in enumerate(argv):
        base = os.path.basename(arg)
        if base in DAEMONS and (i == 0 or "/" in arg):
            return base
    words = [os.path.basename(a) for a in argv]
    if "serve" in words and "center" in words[:words.index("serve")]:
        return "center serve"
    return None


@pytest.fixture(autouse=True)
def _no_daemon_outside_the_daemon_tier(request: pytest.FixtureRequest,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    if request.node.get_closest_marker("daemon") is not None:
        return
    real = subprocess.Popen

    class Guarded(real):  # type: ignore[misc, valid-type]
        def __init__(self, args: Any, *a: Any, **kw: Any) -> None:
            started = daemon_in(args)
            if started is not None:
                pytest.fail(f"this test starts {started} but is not in the daemon tier: use "
                            "a daemon fixture (tests/support) or mark it "
                            "@pytest.mark.daemon", pytrace=False)
            super().__init__(args, *a, **kw)

    monkeypatch.setattr(subprocess, "Popen", Guarded)
