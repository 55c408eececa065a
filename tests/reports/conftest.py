"""A generated month at a real centre (SQLite and PostgreSQL), shared by the report tests."""

from __future__ import annotations

from tests.reports.helpers import SUPERVISOR
from tests.support.tiers import daemon_fixture
from tests.sync.syncrig import Centre, make_centre_home


@daemon_fixture(scope="module", params=["sqlite", "postgresql"])
def month(request, tmp_path_factory):
    from tests.reports.month import FIRST, LAST, generate, station_home

    db_url = None
    if request.param == "postgresql":
        db_url = request.getfixturevalue("postgres").new_database()
    root = tmp_path_factory.mktemp(f"month-{request.param}")
    centre = Centre(make_centre_home(root / "centre"), db_url)
    centre.start()
    try:
        m = generate(centre, root)
        m.backend = request.param
        out = centre.cli("report", "supervisor", "add", SUPERVISOR[0], "--password-stdin",
                         input=SUPERVISOR[1] + "\n")
        assert out.returncode == 0, out.stderr
        # Every station checks the month against the centre (stores its manifests there).
        from station.reports.client import reconcile
        from station.reports.station import build_station_report
        from tests.sync.syncrig import client_for

        for run in m.stations:
            with station_home(run.home):
                rep = build_station_report(run.queue, station_id=run.station_id, name=run.name,
                                           date_from=FIRST, date_to=LAST)
                client = client_for(run.queue)
                try:
                    m.reconciled[run.name] = reconcile(rep, client=client)
                finally:
                    client.close()
        yield m
    finally:
        centre.stop()
