"""Constants and helpers shared by the queue tests (imported by module name: no packages here)."""

from __future__ import annotations

STATION = "st-test-01"
SLOT, PASS = "s01", "correct horse battery staple"


class FakeClock:
    """Seconds since the epoch; only moves when a test says so."""

    def __init__(self, start: float = 1_790_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
