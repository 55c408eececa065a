"""A real centre (`center serve`, SQLite and PostgreSQL) with a real, enrolled station
whose Service records, syncs and amends cases; accounts of every role."""

from __future__ import annotations

from tests.support.tiers import daemon_fixture


@daemon_fixture(params=["sqlite", "postgresql"])
def office(request, tmp_path):
    from tests.backoffice.officerig import Office

    db_url = None
    if request.param == "postgresql":
        db_url = request.getfixturevalue("postgres").new_database()
    rig = Office(tmp_path, db_url)
    try:
        yield rig
    finally:
        rig.close()
