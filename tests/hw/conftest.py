"""Fixtures: an isolated pcscd with vpcd and the emulated card (the isolated cupsd is
shared by several folders: tests/support/cups.py).

libpcsclite reads PCSCLITE_CSOCK_NAME once, at the process's first PC/SC call, so
the socket path is chosen and exported when this file is imported (collection
time), before any test can touch PC/SC; the daemon is bound to it on first use.
Nothing here talks to the machine's own pcscd or CUPS.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.hw.rig import IsolatedPcscd
from tests.hw.vcard import CardHolder, VirtualCard
from tests.support.tiers import daemon_fixture

# Only a name now (collecting must leave nothing behind); the fixture creates it.
# Kept in the environment so that a child pytest (test_event_driver.py) can choose its own.
_PCSC_DIR = Path(os.environ.setdefault(
    "STATION_TEST_PCSC_DIR",
    str(Path(tempfile.gettempdir()) / f"station-pcscd-{os.getpid()}-{uuid.uuid4().hex[:8]}")))
os.environ["PCSCLITE_CSOCK_NAME"] = str(_PCSC_DIR / "pcscd.comm")


def _require(binary: str, path: str) -> None:
    if not Path(path).exists():
        pytest.fail(f"{binary} missing: run ./install.sh --dev", pytrace=False)


@daemon_fixture(scope="package")
def pcscd() -> Iterator[IsolatedPcscd]:
    # Package scope (tests/hw is a package): later folders must not find our vpcd readers.
    _require("pcscd", "/usr/sbin/pcscd")
    _require("vsmartcard-vpcd", "/usr/lib/pcsc/drivers/serial/libifdvpcd.so")
    # STATION_TEST_READER_DRIVER=event runs the folder on vpcd behind eventvpcd.c
    # (test_event_driver.py runs test_hw_pcsc.py that way).
    daemon = IsolatedPcscd(_PCSC_DIR, driver=os.environ.get("STATION_TEST_READER_DRIVER",
                                                            "vpcd"))
    assert str(daemon.socket_path) == os.environ["PCSCLITE_CSOCK_NAME"]
    daemon.start()
    yield daemon
    daemon.stop()
    _let_the_monitor_go()
    shutil.rmtree(_PCSC_DIR, ignore_errors=True)


def _let_the_monitor_go() -> None:
    """pyscard's card-monitor thread ends when its pcscd goes (SCARD_E_NO_SERVICE), but the
    PC/SC context it held would be released once more at interpreter exit, against no
    daemon, printing a traceback after the test run. Wait for the thread, drop the context."""
    from smartcard import CardMonitoring as cm

    thread = cm.CardMonitoringThread.instance
    if thread is None:
        return
    thread.join(timeout=5)
    request = getattr(getattr(thread, "cardrequest", None), "pcsccardrequest", None)
    if not thread.is_alive() and request is not None:
        request.hcontext = None


@pytest.fixture
def reader(pcscd: IsolatedPcscd):
    from station.hw.pcsc import PcscCardReader

    r = PcscCardReader()
    yield r
    r.close()


@pytest.fixture
def reader_names(reader) -> list[str]:
    names = reader.readers()
    assert len(names) == 2, names
    return names


@pytest.fixture
def card(pcscd: IsolatedPcscd, reader, reader_names) -> Iterator[VirtualCard]:
    """A card for slot 0, not yet inserted; removed (and seen removed) afterwards."""
    vc = VirtualCard(pcscd.port, CardHolder())
    yield vc
    vc.remove()
    assert reader.wait_for(reader_names[0], False, timeout=60)
