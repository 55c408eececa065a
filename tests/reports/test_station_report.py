"""The station report over a generated month: the right figures in every format, locked."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from shared.i18n import t
from shared.reports.figures import COLUMNS
from station.catalogue.loader import load_catalogue
from station.cli import cli
from tests.reports.helpers import BLUE, ORANGE, colour_pixels, csv_tables, pdf_text
from tests.reports.month import DAYS, FIRST, LAST, Month, station_home

FIELDS = [c for c in COLUMNS if c != "rating_avg"]


def run_report(month: Month, name: str, *args: str):
    run = month.station(name)
    with station_home(run.home):
        result = CliRunner().invoke(cli, ["report", *args], env={"STATION_HOME": str(run.home)})
    assert result.exit_code == 0, result.output
    return result


def _check(groups: dict[str, dict], expected: dict) -> None:
    for key, exp in expected.items():
        if key == "__total__":
            continue
        got = groups[key]
        for f in FIELDS:
            assert got[f] == exp.get(f, 0), (key, f)
        avg = round(exp["rating_sum"] / exp["rated"], 2) if exp.get("rated") else None
        assert got["rating_avg"] == avg, key
    assert set(groups) == {k for k in expected if k != "__total__"}


@pytest.mark.parametrize("by", ["day", "site", "staff", "line", "matter"])
def test_json_figures_match_the_ledger_for_every_grouping(month: Month, by: str):
    for run in month.stations:
        out = run_report(month, run.name, "--from", FIRST.isoformat(), "--to",
                         LAST.isoformat(), "--by", by, "--format", "json")
        doc = json.loads(out.stdout)
        expected = month.expected_station(run.name, by=by)
        _check({g["key"]: g for g in doc["groups"]}, expected)
        for f in FIELDS:
            assert doc["total"][f] == expected["__total__"].get(f, 0), f


def test_the_month_covers_every_matter_visits_and_every_sync_state(month: Month):
    assert len(month.matters_used) == len(load_catalogue())
    totals = [month.expected_station(r.name)["__total__"] for r in month.stations]
    assert sum(t["conflict"] for t in totals) == 1
    assert sum(t["pending"] for t in totals) > 0
    assert all(t["visits_visited"] and t["visits_no_show"] and t["visits_booked"]
               for t in totals)
    assert all(t["materials_pending"] and t["withdrawn"] and t["rated"] for t in totals)


def test_locked_station_pending_and_oldest_record(month: Month):
    run = month.station("徐汇-03")
    doc = json.loads(run_report(month, run.name, "--date", LAST.isoformat(),
                                "--format", "json").stdout)
    waiting = sorted(v.seq for v in month.ledger
                     if v.station == run.name and month.states[v.record_id, v.version]
                     in ("pending", "sent"))
    assert doc["total"]["pending"] == month.expected_station(run.name, LAST, LAST)[
        "__total__"]["pending"] > 0
    assert doc["oldest_pending"]["seq"] == waiting[0]
    assert doc["last_ack"] is not None
    assert [e[2] for e in doc["rejected"]] == [month.rejected.seq]
    # the manifest lists the day's versions by id and seq only
    assert sorted(e[2] for e in doc["manifests"][LAST.isoformat()]) == waiting


def test_csv_opens_with_the_csv_module_and_agrees(month: Month):
    run = month.station("徐汇-01")
    for by in ("day", "matter"):
        text = run_report(month, run.name, "--from", FIRST.isoformat(), "--to",
                          LAST.isoformat(), "--by", by, "--format", "csv").stdout
        tables = csv_tables(text)
        header, *rows = tables["groups"]
        assert header[1:] == [t(f"reports.col_{c}") for c in COLUMNS]
        expected = month.expected_station(run.name, by=by)
        body = {r[0].split(" ")[0]: r for r in rows}
        total = body.pop(t("reports.total"))
        for key, exp in expected.items():
            row = total if key == "__total__" else body[key or t("reports.visits_group")
                                                       .split(" ")[0]]
            for i, f in enumerate(FIELDS, start=1):
                assert int(row[i]) == exp.get(f, 0), (by, key, f)
        facts = dict(tables["facts"])
        assert facts[t("reports.fact_cases")] == str(expected["__total__"]["cases"])


def test_table_shows_facts_and_the_total_row(month: Month):
    run = month.station("徐汇-02")
    text = run_report(month, run.name, "--from", FIRST.isoformat(), "--to",
                      LAST.isoformat()).stdout
    exp = month.expected_station(run.name)["__total__"]
    assert t("reports.station_title", name=run.name) in text
    total_line = next(line for line in text.splitlines()
                      if line.startswith(t("reports.total")))
    assert total_line.split()[1:4] == [str(exp["cases"]), str(exp.get("pending", 0)),
                                       str(exp.get("sent", 0))]
    assert t("reports.states_line", pending=exp.get("pending", 0), sent=exp.get("sent", 0),
             acknowledged=exp["acknowledged"], conflict=exp.get("conflict", 0)) in text
    assert t("reports.chart_per_day") in text and "█" in text


def test_pdf_has_the_figures_and_drawn_charts(month: Month, tmp_path):
    run = month.station("徐汇-01")
    pdf = tmp_path / "station.pdf"
    run_report(month, run.name, "--from", FIRST.isoformat(), "--to", LAST.isoformat(),
               "--by", "line", "--format", "pdf", "--output", str(pdf))
    assert pdf.read_bytes().startswith(b"%PDF")
    text = pdf_text(pdf)
    exp = month.expected_station(run.name, by="line")
    assert t("reports.station_title", name=run.name) in text
    assert t("reports.chart_cases_by", by=t("reports.by_line")) in text
    for line in ("MZ", "RS", "SB", "YB", "WJ", "CL", "ZF", "TY"):
        assert line in text
    total = next(x for x in text.splitlines() if x.strip().startswith(t("reports.total")))
    assert str(exp["__total__"]["cases"]) in total.split()
    assert colour_pixels(pdf, BLUE) > 200  # the bars
    assert colour_pixels(pdf, ORANGE) > 20  # the per-day trend line


def test_print_goes_through_the_printer_port(month: Month):
    from station import config

    run = month.station("徐汇-01")
    with station_home(run.home):
        cfg = config.load()
        cfg.printer = "pdf"
        config.save(cfg)
        result = CliRunner().invoke(cli, ["report", "--date", DAYS[3].isoformat(), "--print"],
                                    env={"STATION_HOME": str(run.home)})
        assert result.exit_code == 0, result.output
        from station import paths

        printed = list(paths.print_dir().rglob("report-*.pdf"))
    assert printed and t(
        "reports.printed", outcome=t("reports.job_completed")) in result.output
    assert t("reports.station_title", name=run.name) in pdf_text(printed[0])


def test_bad_dates_are_refused_in_words(month: Month):
    run = month.station("徐汇-01")
    with station_home(run.home):
        bad = CliRunner().invoke(cli, ["report", "--from", "2026-10-09", "--to", "2026-10-01"],
                                 env={"STATION_HOME": str(run.home)})
        assert bad.exit_code == 1
        assert t("reports.bad_range", start="2026-10-09", end="2026-10-01") in bad.output
        worse = CliRunner().invoke(cli, ["report", "--date", "20261001"],
                                   env={"STATION_HOME": str(run.home)})
        assert worse.exit_code == 1 and "2026-11-22" in worse.output


def test_a_station_not_set_up_says_so():
    # the autouse fixture gives this test an empty station home
    result = CliRunner().invoke(cli, ["report"])
    assert result.exit_code == 1 and t("reports.not_configured") in result.output


def test_english(month: Month):
    from shared.i18n import set_locale

    set_locale("en")  # the autouse fixture puts zh_CN back
    run = month.station("徐汇-01")
    text = run_report(month, run.name, "--from", FIRST.isoformat(), "--to",
                      LAST.isoformat(), "--by", "staff").stdout
    assert f"Station sync report: {run.name}" in text and "By staff" in text
    assert "s01 员工1" in text  # staff shown with their names from the station's config


def test_by_matter_chart_counts_the_visits_it_names(month: Month):
    """Visits have no matter: their bar shows the visits, not a 0 of cases."""
    run = month.station("徐汇-01")
    out = run_report(month, run.name, "--from", FIRST.isoformat(), "--to", LAST.isoformat(),
                     "--by", "matter").stdout
    visits = month.expected_station(run.name, by="matter")[""]["visits"]
    assert visits > 0
    chart = out.split(t("reports.chart_cases_by", by=t("reports.by_matter")))[1]
    bar = next(x for x in chart.splitlines() if t("reports.visits_group") in x)
    assert bar.split()[-1] == str(visits) and "█" in bar


def test_one_day_report_draws_no_trend(month: Month):
    run = month.station("徐汇-01")
    one = run_report(month, run.name, "--date", FIRST.isoformat()).stdout
    assert t("reports.chart_per_day") not in one
    two = run_report(month, run.name, "--from", FIRST.isoformat(), "--to",
                     DAYS[1].isoformat()).stdout
    assert t("reports.chart_per_day") in two


def test_csv_file_opens_in_excel_without_mojibake(month: Month, tmp_path):
    """Excel reads a CSV as the ANSI code page (GBK on a Chinese Windows) unless it
    starts with a UTF-8 BOM (Microsoft: "Open CSV UTF-8 files correctly in Excel",
    https://support.microsoft.com/office/8a935af5-3416-4edd-ba7e-3dfd2bc4a032)."""
    run = month.station("徐汇-01")
    out = tmp_path / "r.csv"
    run_report(month, run.name, "--from", FIRST.isoformat(), "--to", LAST.isoformat(),
               "--format", "csv", "--output", str(out))
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert csv_tables(raw.decode("utf-8-sig"))["groups"][0][0] == t("reports.by_day")
