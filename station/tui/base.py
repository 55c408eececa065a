"""The base screen every station screen derives from.

Why: errors must never escape as tracebacks, so a screen's own message handlers are
guarded here (actions are guarded in the app); a screen whose compose raises shows what
happened and what to do next instead of staying blank; and every screen gets its key table.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar, cast

from textual.app import ComposeResult
from textual.binding import BindingsMap
from textual.compose import compose
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widget import Widget

from shared.errors import StationError
from shared.i18n import t
from station.tui.host import StationHost
from station.tui.keys import Key, bindings
from station.tui.plain import Static

log = logging.getLogger("station.tui")


class _Guarded:
    """Mixin: a failing handler becomes a message on screen, and the screen lives on."""

    broken = False  # a screen that could not be built (see _Buildable)

    async def _dispatch_message(self, message: Message) -> None:
        try:
            await super()._dispatch_message(message)  # type: ignore[misc]
        except Exception as err:
            if self.broken:
                # Its handlers expect widgets that were never built; the failure is on screen.
                log.debug("handler of a broken screen failed: %s", type(err).__name__)
                return
            self.app.show_error(err)  # type: ignore[attr-defined]


class _Buildable(_Guarded):
    """Mixin for screens: compose failing (a bug, or the core refusing while building)
    shows a catalogued page — what went wrong in words, and Esc to go back — instead of
    a blank screen. Textual's own compose paths (first mount, recompose) both come here."""

    def _composed(self) -> list[Widget]:
        try:
            widgets = compose(self)  # type: ignore[arg-type]
        except Exception as err:
            return compose(self, self._broken_page(err))  # type: ignore[arg-type]
        if self.broken:  # built at last (e.g. a retry on the language switch)
            self.broken = False
            self._bindings = self._merged_bindings.copy()  # type: ignore[attr-defined, union-attr]
        return widgets

    async def _compose(self) -> None:
        widgets = [*self._pending_children, *self._composed()]  # type: ignore[attr-defined]
        self._pending_children.clear()  # type: ignore[attr-defined]
        self._extend_compose(widgets)  # type: ignore[attr-defined]
        await self.mount_composed_widgets(widgets)  # type: ignore[attr-defined]

    async def recompose(self) -> None:
        if not self.is_attached or self._pruning:  # type: ignore[attr-defined]
            return
        async with self.batch():  # type: ignore[attr-defined]
            await self.query_children("*").exclude(".-textual-system").remove()  # type: ignore[attr-defined]
            if self.is_attached:  # type: ignore[attr-defined]
                await self.mount_all(self._composed())  # type: ignore[attr-defined]

    def _broken_page(self, err: Exception) -> ComposeResult:
        app = self.app  # type: ignore[attr-defined]
        if isinstance(err, StationError):
            reason = err.message()
        else:
            # Only the type: the text may hold personal data.
            log.error("screen %s could not be built: %s", type(self).__name__,
                      type(err).__name__)
            getattr(app, "unexpected", []).append(type(err).__name__)
            reason = t("tui.broken.unexpected")
        self.broken = True
        # Nothing of the screen's own keys works without its widgets: Esc leaves it (or,
        # when nothing is under it, quits so that `station` can be started again).
        under = [s for s in app.screen_stack if isinstance(s, _Buildable) and s is not self]
        key = (Key("escape", "leave_broken", "tui.key.back", shown="Esc") if under
               else Key("escape", "leave_broken", "tui.key.quit", shown="Esc"))
        self._bindings = BindingsMap(bindings([key]))
        from station.tui.widgets import KeyBar

        with Vertical(id="broken"):
            yield Static(t("tui.broken.title"), classes="title")
            yield Static(reason, id="broken_reason", classes="error")
            yield Static(t("tui.broken.next_back" if under else "tui.broken.next_quit"),
                         id="broken_next")
        yield KeyBar([key])

    async def action_leave_broken(self) -> None:
        if any(isinstance(s, _Buildable) and s is not self for s in self.app.screen_stack):  # type: ignore[attr-defined]
            self.app.pop_screen()  # type: ignore[attr-defined]
        else:
            await self.app.action_quit()  # type: ignore[attr-defined]


class _Keyed(_Buildable):
    """Mixin: the class's key table (``KEYS``) is its Textual ``BINDINGS``."""

    KEYS: ClassVar[list[Key]] = []

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # Before super(): Textual merges BINDINGS when the class is created.
        if "KEYS" in cls.__dict__:
            cls.BINDINGS = bindings(cls.KEYS)
        super().__init_subclass__(**kwargs)

    @property
    def station(self) -> StationHost:
        return cast(StationHost, self.app)  # type: ignore[attr-defined]


class StationScreen(_Keyed, Screen[Any]):
    """A full screen with its key table and guarded handlers."""


class StationModal(_Keyed, ModalScreen[Any]):
    """A modal with its key table and guarded handlers; answers through ``dismiss``."""
