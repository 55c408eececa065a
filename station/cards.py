"""The resident's card at the desk: read it, watch for it, and the training cards.

Why apart from the case desk: a card is read before there is any case, and the
reader is the one port whose events arrive on their own thread. This turns what
the reader port gives into a ``Resident`` and never reads while the station is
locked (no personal data without a signed-in staff member).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from shared.errors import StationError
from station import devices
from station.errors import LockedError
from station.hw.ports import CardEvent as PortEvent
from station.hw.ports import CardEventKind
from station.people import Resident
from station.session import Session
from station.views import CardEvent, TrainingCard

log = logging.getLogger("station.cards")


class CardDesk:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._unsubscribers: list[Callable[[], None]] = []

    def read_card(self, reader: str | None = None) -> Resident:
        """Read the card now in ``reader`` (None: whichever has one; blocking, ~100–300 ms).
        Raises a ``StationError`` from the reader (no reader, no card, not a
        social-security card, …) — or ``LockedError``: no personal data is read while
        the station is locked. A 身份证 also gives the household address (for visits)."""
        if self.session.locked:
            raise LockedError()
        read = self.session.reader().read(reader)
        return Resident(read.holder.resident_id, read.holder.name,
                        "training" if read.simulated else "card", tuple(read.warnings),
                        address=read.address, card_kind=read.kind)

    def watch_cards(self, on_event: Callable[[CardEvent], None]) -> Callable[[], None]:
        """Subscribe to card insert/remove; returns the unsubscribe function.
        ``on_event`` is called on the reader's thread. A card inserted while locked gives
        an "error" event carrying ``LockedError`` (the card is not read)."""

        def listener(event: PortEvent) -> None:
            if event.kind is CardEventKind.REMOVED:
                on_event(CardEvent("removed"))
                return
            try:
                resident = self.read_card(event.reader or None)
            except StationError as err:
                on_event(CardEvent("error", error=err))
                return
            except Exception as err:  # a reader bug must not kill the reader's thread
                log.error("card read failed: %s", type(err).__name__)
                on_event(CardEvent("error", error=StationError("common.unexpected")))
                return
            on_event(CardEvent("inserted", resident=resident))

        unsubscribe = self.session.reader().subscribe(listener)
        self._unsubscribers.append(unsubscribe)
        return unsubscribe

    def training_cards(self) -> list[TrainingCard]:
        """Fictional residents of the simulated reader; empty with a real reader."""
        return devices.training_cards(self.session.reader(), self.session.today())

    def insert_training_card(self, key: str | None) -> None:
        """Simulated reader only: insert that card (None removes it); events as for a real one."""
        reader = self.session.reader()
        if not devices.is_training(reader):
            raise StationError("service.no_training_reader")
        if key is None:
            reader.remove()  # type: ignore[attr-defined]
        else:
            reader.insert(key)  # type: ignore[attr-defined]

    def close(self) -> None:
        """Stop watching the reader."""
        for unsubscribe in self._unsubscribers:
            unsubscribe()
        self._unsubscribers.clear()
