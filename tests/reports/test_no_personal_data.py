"""No report, in any format, holds a generated resident's name, ID number or phone number."""

from __future__ import annotations

import httpx
from click.testing import CliRunner

from station.cli import cli
from station.reports.station import GROUPINGS
from tests.reports.helpers import SUPERVISOR, assert_no_personal, pdf_text
from tests.reports.month import FIRST, LAST, Month, station_home
from tests.reports.test_centre_report import PERIOD, centre_report
from tests.reports.test_login import login_token


def test_every_station_and_centre_output_is_free_of_personal_data(month: Month, tmp_path):
    personal = month.personal()
    assert len(personal) > 900  # names, ID numbers and phones of every generated resident
    # The data is really there, encrypted: the queue can read it back when unlocked.
    run = month.station("徐汇-01")
    first = next(v for v in month.ledger if v.station == run.name and v.kind == "case")
    if not run.queue.unlocked:
        from tests.sync.syncrig import STAFF_PASS

        run.queue.unlock("s01", STAFF_PASS)
    assert run.queue.get(first.record_id, 1)["resident"]["name"] in month.names
    run.queue.lock()
    outputs: dict[str, str] = {}
    for run in month.stations:
        for by in GROUPINGS:
            for fmt in ("table", "csv", "json"):
                with station_home(run.home):
                    result = CliRunner().invoke(
                        cli, ["report", "--from", FIRST.isoformat(), "--to", LAST.isoformat(),
                              "--by", by, "--format", fmt], env={"STATION_HOME": str(run.home)})
                assert result.exit_code == 0, result.output
                outputs[f"{run.name} {by} {fmt}"] = result.stdout
        pdf = tmp_path / f"{run.station_id}.pdf"
        with station_home(run.home):
            CliRunner().invoke(cli, ["report", "--from", FIRST.isoformat(), "--to",
                                     LAST.isoformat(), "--by", "matter", "--format", "pdf",
                                     "--output", str(pdf)], env={"STATION_HOME": str(run.home)})
        outputs[f"{run.name} pdf"] = pdf_text(pdf)
    for fmt in ("table", "csv", "json"):
        outputs[f"centre {fmt}"] = centre_report(month, *PERIOD, "--format", fmt).stdout
    pdf = tmp_path / "centre.pdf"
    centre_report(month, *PERIOD, "--format", "pdf", "--output", str(pdf))
    outputs["centre pdf"] = pdf_text(pdf)
    with httpx.Client(base_url=month.centre.url, timeout=120) as http:
        login = http.post("/reports/login", data={"user": SUPERVISOR[0],
                                                  "password": SUPERVISOR[1],
                                                  "csrf": login_token(http)})
        assert login.status_code == 303, login.status_code
        outputs["page"] = http.get("/reports", params={"from": FIRST.isoformat(),
                                                      "to": LAST.isoformat()}).text
        for day in (FIRST, LAST):
            outputs[f"page {day}"] = http.get(f"/reports/day/{day.isoformat()}").text
        got = http.get("/reports/report.pdf", params={"from": FIRST.isoformat(),
                                                      "to": LAST.isoformat()})
        (tmp_path / "web.pdf").write_bytes(got.content)
        outputs["web pdf"] = pdf_text(tmp_path / "web.pdf")
    assert "data-table" in outputs["page"]  # logged in: the pages really show figures
    for where, text in outputs.items():
        assert len(text) > 200, where
        assert_no_personal(text, personal, where)
