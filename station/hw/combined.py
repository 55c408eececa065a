"""Both card readers behind one CardReader port: the 社保卡 (PC/SC) and the 身份证 (serial).

Why one port: the serve flow starts the same way whichever card the resident hands
over, so the core and the TUI see one reader; a read goes to the reader that named
itself in the event (or, asked blind, to whichever reader has a card). One reader
failing (pcscd stopped, the serial cable pulled) never hides the other.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shared.errors import StationError
from station.hw.errors import NoCardError, ReaderGoneError
from station.hw.ports import CardListener, CardRead, DeviceStatus, plugged_reader_status


class NoCardOnAnyReader(NoCardError):
    key = "idcard.absent_any"


class CombinedCardReader:
    training = False

    def __init__(self, parts: list[Any]) -> None:
        self.parts = list(parts)

    def _names(self, part: Any) -> list[str]:
        try:
            return list(part.readers())
        except StationError:
            return []

    def readers(self) -> list[str]:
        names: list[str] = []
        errors: list[StationError] = []
        for part in self.parts:
            try:
                names += part.readers()
            except StationError as err:
                errors.append(err)
        if not names and errors:
            raise errors[0]
        return names

    def _part_for(self, reader: str) -> Any:
        for part in self.parts:
            if reader in self._names(part):
                return part
        raise ReaderGoneError()

    def card_present(self, reader: str | None = None) -> bool:
        if reader is not None:
            return bool(self._part_for(reader).card_present(reader))
        for part in self.parts:
            try:
                if part.card_present():
                    return True
            except StationError:
                continue
        return False

    def read(self, reader: str | None = None) -> CardRead:
        if reader is not None:
            return self._part_for(reader).read(reader)
        for part in self.parts:
            try:
                present = part.card_present()
            except StationError:  # that reader is down: the other may still have a card
                continue
            if present:
                return part.read()
        raise NoCardOnAnyReader()

    def subscribe(self, listener: CardListener) -> Callable[[], None]:
        stops: list[Callable[[], None]] = []
        errors: list[StationError] = []
        for part in self.parts:
            try:
                stops.append(part.subscribe(listener))
            except StationError as err:
                errors.append(err)
        if not stops and errors:
            raise errors[0]

        def unsubscribe() -> None:
            for stop in stops:
                stop()

        return unsubscribe

    def close(self) -> None:
        for part in self.parts:
            part.close()

    def describe(self) -> DeviceStatus:
        return plugged_reader_status(self)
