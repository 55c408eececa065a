"""One table per screen of the keys it answers to.

Why a table and not plain BINDINGS: the key bar, the help screen and the bindings all
come from the same rows, and the labels are catalogue keys translated when shown, so a
language switch relabels everything without rebuilding classes.
"""

from __future__ import annotations

from typing import NamedTuple

from textual.binding import Binding


class Key(NamedTuple):
    key: str  # Textual key name, e.g. "f2", "ctrl+l", "a"
    action: str  # action name on the screen (or "app.<name>")
    label: str  # catalogue key, e.g. "tui.key.serve"
    shown: str = ""  # how the key is printed in the key bar; defaults to `key`
    bar: bool = True  # also shown in the key bar (the help screen shows every key)
    priority: bool = False  # fires even when an Input has focus


def bindings(keys: list[Key]) -> list[Binding]:
    return [
        Binding(k.key, k.action, "", show=False, priority=k.priority) for k in keys
    ]


def display(key: Key) -> str:
    if key.shown:
        return key.shown
    return key.key.replace("ctrl+", "^").upper() if len(key.key) > 1 else key.key.upper()


# Keys valid on every screen: the app binds them, the help screen lists them first.
# Here, not in the app, so that the screens can read them without importing the app.
GLOBAL_KEYS: list[Key] = [
    Key("f1", "help", "tui.key.help"),
    Key("ctrl+l", "lock", "tui.key.lock", priority=True),
    Key("f11", "language", "tui.key.language", bar=False),
    Key("f12", "theme", "tui.key.theme", bar=False),
    Key("ctrl+p", "command_palette", "tui.key.palette", bar=False),
    Key("ctrl+q", "quit", "tui.key.quit", bar=False, priority=True),
    Key("f10", "reports", "reports.key.reports", bar=False),
]
