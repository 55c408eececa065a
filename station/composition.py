"""Composition root: which reader and which printer this laptop gets.

Why in one place: the default must "just work" on a street laptop — the PC/SC
reader when one is plugged in, otherwise the simulated reader (training mode,
labelled as such); the CUPS default printer when there is one, otherwise the
PDF-folder printer — and an administrator can force either in the config file.
Adapters are imported here only, so a missing pyscard / pycups / daemon only
changes the choice, never stops the station.
"""

from __future__ import annotations

import logging

from shared.errors import StationError

log = logging.getLogger("station.composition")


def choose_reader(setting: str = "auto", idcard_port: str = "auto") -> object:
    """``auto`` | ``pcsc`` | ``simulated``; plus the 二代证 reader on ``idcard_port``
    (``auto``: the first USB serial port answering a find-card frame; ``off``; a path).
    Both real readers → one combined port; neither → the simulated reader."""
    from station.hw.simulated import SimulatedCardReader

    if setting == "simulated":
        return SimulatedCardReader()
    parts: list[object] = []
    try:
        from station.hw.pcsc import PcscCardReader

        reader = PcscCardReader()
        if setting == "pcsc" or reader.readers():
            parts.append(reader)
        else:
            reader.close()
    except StationError as err:  # no pyscard, no pcscd: fall back to training mode
        if setting == "pcsc":
            raise
        log.info("no PC/SC reader (%s): simulated reader", err.key)
    idreader = _id_card_reader(idcard_port)
    if idreader is not None:
        parts.append(idreader)
    if not parts:
        return SimulatedCardReader()
    if len(parts) == 1:
        return parts[0]
    from station.hw.combined import CombinedCardReader

    return CombinedCardReader(parts)


def _id_card_reader(setting: str) -> object | None:
    try:
        from station.hw.idreader import SerialIdCardReader, find_port

        port = find_port(setting)
        return SerialIdCardReader(port) if port else None
    except StationError as err:  # no pyserial: the 社保卡 and typed entry still work
        log.info("no ID card reader (%s)", err.key)
        return None


def choose_printer(setting: str = "auto") -> object:
    """``auto`` | ``pdf`` | ``cups`` | ``cups:<queue>`` (the hardware part's factory decides)."""
    from station.hw.factory import make_printer

    return make_printer(setting)

