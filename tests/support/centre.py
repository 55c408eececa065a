"""A served centre (`center serve` in its own process, tests/sync/syncrig.py) on SQLite
or on one PostgreSQL cluster that the whole session shares, a database per test."""

from __future__ import annotations

import pytest

from tests.support.tiers import daemon_fixture
from tests.sync.syncrig import Centre, Postgres, make_centre_home, pg_available


@daemon_fixture(scope="session")
def postgres():
    if not pg_available():
        pytest.skip("PostgreSQL binaries not installed (./install.sh --dev installs them)")
    pg = Postgres()
    yield pg
    pg.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request) -> str:
    return request.param


@pytest.fixture
def db_url(backend, request, tmp_path) -> str | None:
    # The postgresql half is in the daemon tier (tests/support/tiers.py); sqlite is not.
    if backend == "sqlite":
        return None
    pg = request.getfixturevalue("postgres")
    return pg.new_database()


@daemon_fixture
def centre(tmp_path, db_url):
    c = Centre(make_centre_home(tmp_path / "centre"), db_url)
    c.start()
    yield c
    c.stop()
