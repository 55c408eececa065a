"""The benchmark's event-driven test reader (eventvpcd.c: vpcd plus the card-event thread a
CCID driver gives pcscd) behaves like plain vpcd: every test of test_hw_pcsc.py (reading,
misbehaviour, events, unplugged reader, daemon restart) passes on it too.

They run in a child pytest because libpcsclite binds a process to one daemon's socket, and
this process already talks to the folder's pcscd on plain vpcd."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


@pytest.mark.daemon  # the child pytest starts its own pcscd
def test_pcsc_tests_pass_on_the_event_driven_reader(tmp_path):
    env = {**os.environ, "STATION_TEST_READER_DRIVER": "event",
           "STATION_TEST_PCSC_DIR": str(tmp_path / f"pcscd-{uuid.uuid4().hex[:8]}")}
    env.pop("PCSCLITE_CSOCK_NAME", None)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "0",  # one pcscd dir
         str(HERE / "test_hw_pcsc.py")],
        cwd=HERE.parent.parent, env=env, capture_output=True, text=True, timeout=600)
    tail = (run.stdout + run.stderr)[-3000:]
    assert run.returncode == 0, tail
    assert " passed" in run.stdout and " failed" not in run.stdout, tail
