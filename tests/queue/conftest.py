"""Fixtures for the queue tests: real SQLite files, real keys, a clock tests can move."""

from __future__ import annotations

import contextlib

import pytest
from stationq import TEST_KDF, Queue
from stationq.sealing import X25519, generate_centre_keys

from tests.queue.queue_testkit import PASS, SLOT, STATION, FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def centre():
    """(private key, CentreKey) of a centre using the default X25519 suite."""
    return generate_centre_keys(X25519)


@pytest.fixture
def make_queue(tmp_path, clock):
    made: list[Queue] = []

    def make(centre_key=None, name: str = "q.sqlite3", **kw) -> Queue:
        q = Queue.create(tmp_path / name, station_id=STATION, slot=SLOT, passphrase=PASS,
                         centre_key=centre_key, kdf=TEST_KDF, clock=clock, **kw)
        made.append(q)
        return q

    yield make
    for q in made:
        with contextlib.suppress(Exception):
            q.close()
