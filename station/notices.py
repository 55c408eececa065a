"""One-off waits that must announce themselves (e.g. the first font cut, many seconds).

Why a registry: the core knows when such a wait starts but not where staff are
looking; the CLI prints to standard error, the TUI may show a toast. Kept free of
heavy imports so the command line can listen before anything else loads.
"""

from __future__ import annotations

from collections.abc import Callable

_listeners: list[Callable[[str], None]] = []


def listen(listener: Callable[[str], None]) -> Callable[[], None]:
    """Call ``listener(text)`` on every announcement; returns a function to stop."""
    _listeners.append(listener)
    return lambda: _listeners.remove(listener) if listener in _listeners else None


def announce(key: str, **params: object) -> None:
    """Tell every listener, in the staff's language, that a long wait begins."""
    from shared.i18n import t

    text = t(key, **params)
    for listener in list(_listeners):
        listener(text)
