"""A real station for visit tests: real queue, crypto and catalogue; fake reader/printer
(tests/support/station_fixtures.py) unless a test brings the real CUPS of tests/hw
(see ``cupsd`` below)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _hw_conftest():
    """The hardware engineer's fixtures (isolated cupsd), loaded once under its own name."""
    name = "tests_hw_conftest"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, HERE.parent / "hw" / "conftest.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


cupsd = _hw_conftest().cupsd  # the real, isolated cupsd with its copying sink queue

# The sync engineer's rig: a real `center serve` process on loopback (+ PostgreSQL).
sys.path.insert(0, str(HERE.parent / "sync"))
from syncrig import backend, centre, db_url, postgres  # noqa: E402, F401 - pytest fixtures

