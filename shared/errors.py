"""Errors the user sees: each carries a catalogue key, never a raw exception text.

Why a base class: the CLI and the TUI catch ``StationError`` at their edges and
show ``err.message()``; anything else is a bug and is reported generically
without a traceback.
"""

from __future__ import annotations

from shared.i18n import t


class StationError(Exception):
    key = "common.unexpected"

    def __init__(self, key: str | None = None, /, **params: object) -> None:
        if key is not None:
            self.key = key
        self.params = params
        # The exception text is the key only: params may hold personal data.
        super().__init__(self.key)

    def message(self) -> str:
        return t(self.key, **self.params)
