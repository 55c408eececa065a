"""A real centre (`center serve`, SQLite and PostgreSQL) with a real, enrolled station
whose Service records, syncs and amends cases; accounts of every role."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sync"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "reports"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from syncrig import postgres  # noqa: F401 - fixture


@pytest.fixture(params=["sqlite", "postgresql"])
def office(request, tmp_path):
    from officerig import Office

    db_url = None
    if request.param == "postgresql":
        db_url = request.getfixturevalue("postgres").new_database()
    rig = Office(tmp_path, db_url)
    try:
        yield rig
    finally:
        rig.close()
