"""The isolated cupsd with its PDF sink queue (tests/hw/rig.py), for every folder that
prints through real CUPS."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.hw.rig import IsolatedCupsd
from tests.support.tiers import daemon_fixture


@daemon_fixture
def cupsd() -> Iterator[IsolatedCupsd]:
    # Our own temp folder, not pytest's: a parallel pytest run may prune old basetemps.
    if not Path("/usr/sbin/cupsd").exists():
        pytest.fail("cupsd missing: run ./install.sh --dev", pytrace=False)
    workdir = Path(tempfile.mkdtemp(prefix="station-cupsd-"))
    daemon = IsolatedCupsd(workdir)
    daemon.start()
    yield daemon
    daemon.stop()
    shutil.rmtree(workdir, ignore_errors=True)
