"""The centre report over the generated month, on SQLite and PostgreSQL, in every format."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import date, timedelta

from click.testing import CliRunner

from center.cli import cli as center_cli
from shared.i18n import t
from station.catalogue.calendar import add_working_days, is_working_day
from station.catalogue.loader import load_catalogue
from tests.reports.helpers import BLUE, GREEN, ORANGE, RED, colour_pixels, csv_tables, pdf_text
from tests.reports.month import FIRST, GAP_SEQS, LAST, TODAY, Month, station_home, tally

PERIOD = ["--from", FIRST.isoformat(), "--to", LAST.isoformat(), "--today", TODAY.isoformat()]


def centre_report(month: Month, *args: str):
    base = ["--home", str(month.centre.home)]
    if month.centre.db_url:
        base += ["--db", month.centre.db_url]
    result = CliRunner().invoke(center_cli, [*base, "report", *args])
    assert result.exit_code == 0, result.output
    return result


def expected_status(month: Month, v) -> str:
    """The centre's status, a 即办 case (the catalogue's `done_at_acceptance`, by default
    time limit 0) being done once accepted."""
    status = month.centre_status.get(v.record_id, "accepted")
    if status == "accepted" and load_catalogue().get(v.meta["matter"]).done_at_acceptance:
        return "done"
    return status


def expected_rows(month: Month) -> dict[tuple[str, str], Counter]:
    """Per (station, day), from what the test did: what the centre must show."""
    rows: dict[tuple[str, str], Counter] = defaultdict(Counter)
    lost = {(v.record_id, v.version) for v in month.lost}
    for v in month.ledger:
        if (v.record_id, v.version) in lost or month.states[v.record_id, v.version] in (
                "pending", "sent"):
            continue
        rows[v.station, v.day]["received"] += 1
    for run in month.stations:
        for v in month.latest(run.name, at_centre=True).values():
            c = rows[run.name, v.day]
            tally(c, v, "acknowledged")
            if v.kind == "case":
                c["status_" + expected_status(month, v)] += 1
    rows[month.conflict.station, month.conflict.day]["conflict"] = 1
    return rows


def expected_overdue(month: Month) -> dict[str, int]:
    """case_no → working days late."""
    cat = load_catalogue()
    out = {}
    for run in month.stations:
        for v in month.latest(run.name, at_centre=True).values():
            if v.kind != "case" or v.meta["status"] == "withdrawn" or expected_status(
                    month, v) in ("done", "returned") or cat.get(
                    v.meta["matter"]).done_at_acceptance:
                continue
            due = add_working_days(date.fromisoformat(v.day),
                                   cat.get(v.meta["matter"]).time_limit_days)
            late = sum(is_working_day(due + timedelta(d))
                       for d in range(1, (TODAY - due).days + 1))
            if late > 0:
                out[v.meta["case_no"]] = late
    return out


def test_json_per_station_and_day_matches_what_happened(month: Month):
    doc = json.loads(centre_report(month, *PERIOD, "--format", "json").stdout)
    expected = expected_rows(month)
    got = {(r["name"], r["day"]): r for r in doc["rows"]}
    assert set(got) == set(expected)
    for key, exp in expected.items():
        row = got[key]
        for f in ("received", "cases", "materials_pending", "withdrawn", "visits_booked",
                  "visits_visited", "visits_no_show", "rated", "conflict"):
            assert row[f] == exp.get(f, 0), (key, f)
        for status in ("accepted", "reviewing", "done", "returned"):
            assert row["statuses"][status] == exp.get("status_" + status, 0), (key, status)
    overdue = expected_overdue(month)
    assert overdue, "the month must have cases past their time limit"
    assert {o["case_no"]: o["late"] for o in doc["overdue"]} == overdue
    assert doc["total"]["overdue"] == len(overdue)


def test_jiban_cases_are_done_at_acceptance_never_overdue(month: Month):
    """Issue 18: 即办 matters (time limit 0) counted 4,915 of 8,947 "overdue" cases."""
    cat = load_catalogue()
    jiban = {v.meta["case_no"] for run in month.stations
             for v in month.latest(run.name, at_centre=True).values()
             if v.kind == "case" and cat.get(v.meta["matter"]).time_limit_days == 0
             and v.day < TODAY.isoformat()}
    assert jiban, "the month must have 即办 cases accepted before today"
    doc = json.loads(centre_report(month, *PERIOD, "--format", "json").stdout)
    assert doc["overdue"], "cases with a real time limit are still overdue"
    assert not jiban & {o["case_no"] for o in doc["overdue"]}


def test_coverage_names_the_gap_and_conflicts_are_listed(month: Month):
    doc = json.loads(centre_report(month, *PERIOD, "--format", "json").stdout)
    cov = {c["name"]: c for c in doc["coverage"]}
    assert cov["徐汇-02"]["gaps"] == [[GAP_SEQS[0], GAP_SEQS[-1]]]
    assert cov["徐汇-01"]["gaps"] == [] and cov["徐汇-03"]["gaps"] == []
    synced = sum(1 for v in month.ledger if v.station == "徐汇-03"
                 and month.states[v.record_id, v.version] not in ("pending", "sent"))
    assert cov["徐汇-03"]["ranges"] == [[1, synced]]
    c = month.conflict
    assert [(x["record_id"], x["seq"], x["station"]) for x in doc["conflicts"]] == [
        (c.record_id, c.seq, c.station)]


def test_reconciliation_names_the_same_records_on_both_sides(month: Month):
    lost = sorted((v.record_id, v.version, v.seq) for v in month.lost)
    c = month.conflict
    # the station's side (from the signed check each station made)
    station = {run: {d.day: d for d in diffs} for run, diffs in month.reconciled.items()}
    lost_day = month.lost[0].day
    assert sorted((e.record_id, e.version, e.seq)
                  for e in station["徐汇-02"][lost_day].missing_at_centre) == lost
    assert [e.seq for e in station["徐汇-01"][c.day].conflicts] == [c.seq]
    waiting = [v for v in month.ledger if v.station == "徐汇-03" and v.day == LAST.isoformat()]
    assert len(station["徐汇-03"][LAST.isoformat()].waiting) == len(waiting)
    bad = {(run, d.day) for run, diffs in month.reconciled.items() for d in diffs
           if not d.agrees}
    assert bad == {("徐汇-02", lost_day), ("徐汇-01", c.day)}
    for diffs in month.reconciled.values():
        for d in diffs:
            if d.agrees:
                assert d.station_acked == d.centre_total  # a synced day's totals agree
    # the centre's side
    doc = json.loads(centre_report(month, *PERIOD, "--format", "json").stdout)
    centre = {(r["station"], r["day"]): r for r in doc["reconciliation"]}
    assert sorted(tuple(e[:3]) for e in centre["徐汇-02", lost_day]["missing_at_centre"]) == lost
    assert [e[2] for e in centre["徐汇-01", c.day]["conflicts"]] == [c.seq]
    assert {k for k, r in centre.items() if not r["agrees"]} == bad
    rows = {(r["name"], r["day"]): r["agrees"] for r in doc["rows"]}
    assert rows["徐汇-02", lost_day] is False and rows["徐汇-02", FIRST.isoformat()] is True


def test_station_reconcile_command_lists_the_differing_records(month: Month):
    from station.cli import cli

    run = month.station("徐汇-02")
    lost_day = month.lost[0].day
    with station_home(run.home):
        result = CliRunner().invoke(cli, ["report", "--date", lost_day, "--reconcile"],
                                    env={"STATION_HOME": str(run.home)})
    assert result.exit_code == 1, result.output  # a day disagrees: cron can alert
    assert t("reports.reconcile_bad", bad=1) in result.output
    for v in month.lost:
        line = next(x for x in result.output.splitlines() if v.record_id in x
                    and f" {v.seq} " in f" {x} ")
        assert t("reports.diff_missing_at_centre") in line


def test_csv_and_table(month: Month):
    tables = csv_tables(centre_report(month, *PERIOD, "--detail", "--format", "csv").stdout)
    header, *rows = tables["station_days"]
    assert header[:4] == [t("reports.col_station"), t("reports.col_day"),
                          t("reports.col_received"), t("reports.col_cases")]
    expected = expected_rows(month)
    assert {(r[0], r[1]): (int(r[2]), int(r[3])) for r in rows} == {
        k: (v.get("received", 0), v.get("cases", 0)) for k, v in expected.items()}
    cov = {r[0]: r for r in tables["coverage"][1:]}
    assert cov["徐汇-02"][3] == f"{GAP_SEQS[0]}–{GAP_SEQS[-1]}"
    assert len(tables["overdue"]) - 1 == len(expected_overdue(month))
    text = centre_report(month, *PERIOD, "--detail").stdout
    assert t("reports.table_coverage") in text and f"{GAP_SEQS[0]}–{GAP_SEQS[-1]}" in text
    assert month.conflict.record_id in text


def test_station_filter(month: Month):
    doc = json.loads(centre_report(month, *PERIOD, "--station", "徐汇-03",
                                   "--format", "json").stdout)
    assert {r["name"] for r in doc["rows"]} == {"徐汇-03"}
    base = ["--home", str(month.centre.home)] + (["--db", month.centre.db_url]
                                                 if month.centre.db_url else [])
    missing = CliRunner().invoke(center_cli, [*base, "report", "--station", "没有这个"])
    assert missing.exit_code == 1 and t("reports.no_station", name="没有这个") in missing.output


def test_pdf_text_and_charts(month: Month, tmp_path):
    pdf = tmp_path / "centre.pdf"
    centre_report(month, *PERIOD, "--detail", "--format", "pdf", "--output", str(pdf))
    text = pdf_text(pdf)
    assert t("reports.centre_title") in text
    for title in ("chart_cases_per_line", "chart_per_day", "chart_coverage",
                  "table_coverage", "table_conflicts", "table_overdue"):
        assert t(f"reports.{title}") in text, title
    assert f"{GAP_SEQS[0]}–{GAP_SEQS[-1]}" in text
    assert month.conflict.record_id in text
    assert colour_pixels(pdf, BLUE) > 200  # cases per line
    assert colour_pixels(pdf, ORANGE) > 20  # per-day trend
    assert colour_pixels(pdf, GREEN) > 200 and colour_pixels(pdf, RED) > 3  # coverage + gap


def test_summary_opens_with_exceptions_only_and_points_to_the_detail(month: Month, tmp_path):
    """The district summary: exceptions per station, lines, trend; no station-day rows."""
    tables = csv_tables(centre_report(month, *PERIOD, "--format", "csv").stdout)
    assert "station_days" not in tables and "overdue" not in tables
    header, *rows = tables["exceptions"]
    assert header[0] == t("reports.col_station")
    got = {r[0]: r for r in rows}
    overdue = Counter()
    for run in month.stations:
        late = expected_overdue(month)
        overdue[run.name] = sum(1 for v in month.latest(run.name, at_centre=True).values()
                                if v.meta.get("case_no") in late)
    # 徐汇-02 lost three versions (the gap), 徐汇-01 holds the conflict
    assert got["徐汇-02"][1] == f"{GAP_SEQS[0]}–{GAP_SEQS[-1]}"
    assert int(got["徐汇-02"][2]) == len(GAP_SEQS)
    assert int(got["徐汇-01"][4]) == 1
    assert {name: int(r[5]) for name, r in got.items()} == {
        n: c for n, c in overdue.items() if n in got}
    text = centre_report(month, *PERIOD).stdout
    assert t("reports.note_detail") in text
    pdf = tmp_path / "summary.pdf"
    centre_report(month, *PERIOD, "--format", "pdf", "--output", str(pdf))
    body = pdf_text(pdf)
    assert t("reports.table_exceptions") in body and t("reports.chart_per_day") in body
    assert t("reports.table_station_days") not in body
    # one station is its own detail
    one = csv_tables(centre_report(month, *PERIOD, "--station", "徐汇-03", "--format",
                                   "csv").stdout)
    assert {r[0] for r in one["station_days"][1:]} == {"徐汇-03"}
    day = csv_tables(centre_report(month, "--day", FIRST.isoformat(), "--format", "csv",
                                   "--today", TODAY.isoformat()).stdout)
    assert {r[1] for r in day["station_days"][1:]} == {FIRST.isoformat()}


def test_help_kind_words_and_bom(month: Month, tmp_path):
    help_text = CliRunner().invoke(center_cli, ["report", "--help"]).output
    assert "锁定" not in help_text and "locked" not in help_text
    assert "--detail" in help_text and "--day" in help_text
    out = tmp_path / "centre.csv"
    centre_report(month, *PERIOD, "--detail", "--format", "csv", "--output", str(out))
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel on a Chinese Windows
    tables = csv_tables(raw.decode("utf-8-sig"))
    assert [r[-1] for r in tables["conflicts"][1:]] == [t("reports.kind_case")]


def test_a_single_seq_prints_alone():
    from shared.reports.document import seq_ranges

    assert seq_ranges([(36, 36)]) == "36"
    assert seq_ranges([(1, 35), (37, 37)]) == "1–35, 37"
