"""The station's own errors that screens react to by changing screen, not only by showing words.

Why apart from ``shared.errors``: these belong to the station's session (locked,
not yet set up, wrong passphrase) and are raised deep in the case store as well as
by the services; the TUI catches them by type to show the unlock or first-run
screen. Each is still a ``StationError``, so its ``message()`` is the sentence.
"""

from __future__ import annotations

from shared.errors import StationError


class LockedError(StationError):
    """Personal data asked for while no staff member is unlocked (key ``service.locked``)."""

    def __init__(self) -> None:
        super().__init__("service.locked")


class NotInitialisedError(StationError):
    """No configuration yet: show the first-run screen (``service.not_initialised``)."""

    def __init__(self) -> None:
        super().__init__("service.not_initialised")


class UnlockError(StationError):
    """Wrong passphrase, or unlocking paused after too many. ``failures`` counts consecutive
    failures for that staff slot; ``delay_s`` is how long the next attempt will be held back
    (the TUI may show a countdown)."""

    def __init__(self, failures: int, delay_s: float, *, paused: bool = False) -> None:
        self.failures = failures
        self.delay_s = delay_s
        self.paused = paused
        key = ("service.unlock_paused" if paused else
               "service.unlock_failed" if delay_s >= 1 else "service.unlock_wrong")
        super().__init__(key, failures=failures, delay=max(0, round(delay_s)))
