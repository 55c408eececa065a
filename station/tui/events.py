"""Messages from the world outside the UI thread (card reader, workers)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message


@dataclass
class CardInserted(Message):
    """A card was read; the service already decoded the holder into a Resident."""

    resident: Any


class CardRemoved(Message):
    pass


@dataclass
class CardFailed(Message):
    """The reader saw a card but could not read it; `error` is a StationError."""

    error: Exception
