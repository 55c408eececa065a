"""The screens reach the app only through ``StationHost`` (station/tui/host.py), so that
they need not import the app that imports them; this keeps that Protocol honest.

Why: nothing else checks that the app still has what the Protocol promises, nor that a
screen asks for nothing the Protocol leaves out (the project runs no type checker).
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from station.tui.app import StationApp
from station.tui.host import StationHost

TUI = Path(__file__).resolve().parents[2] / "station" / "tui"


def _members() -> set[str]:
    methods = {n for n, v in vars(StationHost).items() if callable(v) and not n.startswith("_")}
    return methods | set(StationHost.__annotations__)


def test_the_app_has_what_the_protocol_promises():
    app = StationApp(service=None, watch_status=False, sync=False)
    for name in _members():
        assert hasattr(app, name), name
        promised = getattr(StationHost, name, None)
        if callable(promised):
            assert inspect.signature(getattr(StationApp, name)) == inspect.signature(promised), name


def test_screens_ask_for_nothing_the_protocol_leaves_out():
    asked = set()
    for path in (TUI / "screens").glob("*.py"):
        asked |= set(re.findall(r"\b(?:self|screen)\.station\.(\w+)",
                                path.read_text(encoding="utf-8")))
    assert asked, "the screens use the host"
    assert asked <= _members(), asked - _members()

