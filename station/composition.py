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

from station.errors import StationError

log = logging.getLogger("station.composition")


def choose_reader(setting: str = "auto") -> object:
    """``auto`` | ``pcsc`` | ``simulated``."""
    from station.hw.simulated import SimulatedCardReader

    if setting == "simulated":
        return SimulatedCardReader()
    try:
        from station.hw.pcsc import PcscCardReader

        reader = PcscCardReader()
        if setting == "pcsc" or reader.readers():
            return reader
        reader.close()
    except StationError as err:  # no pyscard, no pcscd: fall back to training mode
        if setting == "pcsc":
            raise
        log.info("no PC/SC reader (%s): simulated reader", err.key)
    return SimulatedCardReader()


def choose_printer(setting: str = "auto") -> object:
    """``auto`` | ``pdf`` | ``cups`` | ``cups:<queue>`` (the hardware part's factory decides)."""
    from station.hw.factory import make_printer

    return make_printer(setting)


def build_service():
    """The station as installed: config from disk, hardware chosen on first use."""
    from station.service import Service

    return Service()
