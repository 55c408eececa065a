"""The base screen every station screen derives from.

Why: errors must never escape as tracebacks, so a screen's own message handlers are
guarded here (actions are guarded in the app); and every screen gets its key table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual.message import Message
from textual.screen import ModalScreen, Screen

from station.tui.keys import Key, bindings

if TYPE_CHECKING:
    from station.tui.app import StationApp


class _Guarded:
    """Mixin: a failing handler becomes a message on screen, and the screen lives on."""

    async def _dispatch_message(self, message: Message) -> None:
        try:
            await super()._dispatch_message(message)  # type: ignore[misc]
        except Exception as err:
            self.app.show_error(err)  # type: ignore[attr-defined]


class StationScreen(_Guarded, Screen[Any]):
    """A full screen with its key table and guarded handlers."""

    KEYS: ClassVar[list[Key]] = []

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # Before super(): Textual merges BINDINGS when the class is created.
        if "KEYS" in cls.__dict__:
            cls.BINDINGS = bindings(cls.KEYS)
        super().__init_subclass__(**kwargs)

    @property
    def station(self) -> StationApp:
        return self.app  # type: ignore[return-value]


class StationModal(_Guarded, ModalScreen[Any]):
    KEYS: ClassVar[list[Key]] = []

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # Before super(): Textual merges BINDINGS when the class is created.
        if "KEYS" in cls.__dict__:
            cls.BINDINGS = bindings(cls.KEYS)
        super().__init_subclass__(**kwargs)

    @property
    def station(self) -> StationApp:
        return self.app  # type: ignore[return-value]
