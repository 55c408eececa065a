"""Composition root: the station as installed.

Why so little here: which reader and which printer a laptop gets is the hardware
factory's one rule (`station.hw.factory`: ``make_reader`` / ``make_printer``, chosen on
first use from the config's ``reader``, ``idcard_port`` and ``printer``); this module only
puts the station together from the config on disk.
"""

from __future__ import annotations


def build_service():
    """The station as installed: config from disk, hardware chosen on first use."""
    from station.service import Service

    return Service()
