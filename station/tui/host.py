"""What a screen may ask of the app that runs it.

Why a Protocol: screens sit below the app (the app imports them to push them), so
they must not import the app back; they reach it as ``self.app`` and this names the
part of it they rely on. ``StationApp`` satisfies it without inheriting from it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, Protocol


class StationHost(Protocol):
    service: Any  # station.service.StationService
    status: Any  # the last station.service status, None before the first refresh

    def background(self, fn: Callable[[], Any], done: Callable[[Any], None] | None = None,
                   failed: Callable[[Exception], None] | None = None,
                   *, quiet: bool = False) -> None: ...

    def today(self) -> date: ...

    def show_error(self, err: BaseException) -> None: ...

    def refresh_status(self) -> None: ...

    def station_ready(self) -> None: ...

    def enter_desk(self) -> None: ...
