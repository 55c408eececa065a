"""What a screen asks the app to show next.

Why messages: a screen late in a flow must not import the screens before it (that makes
an import cycle, and ties the flow's end to its start). It says what it wants; the
message bubbles from the screen to the app, and the app, which knows every screen,
decides which one that is ("attributes down, messages up":
https://textual.textualize.io/guide/widgets/#data-flow).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message


class ServeDone(Message):
    """A case is recorded and rated: back to where serving started (desk or visit mode)."""


@dataclass
class OpenAppointment(Message):
    """Show this home-visit appointment where it can be changed: on its day's run
    sheet, or in the waiting list when it has no slot (or nobody was home)."""

    appointment: Any  # station.visits appointment
