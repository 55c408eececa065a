"""The TUI suite's fixtures live in tests/support/tui.py, shared with the reports and
visit-mode tests; the helpers are imported from there too, never from this file."""

from tests.support.tui import (  # noqa: F401 - pytest fixtures
    _no_unexpected_errors,
    anyio_backend,
    new_station,
    ready,
)
