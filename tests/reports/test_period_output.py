"""The report period and the report's way out, shared by `station report` and `center report`.

Both commands must refuse the same input with the same sentence, and the centre says it
as its own error (a sentence and exit 1, never a traceback).
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from click.testing import CliRunner

from center.cli import cli as center_cli
from center.errors import CenterError
from shared.errors import StationError
from shared.i18n import t
from shared.reports.document import Document, Table
from shared.reports.output import write_report
from shared.reports.period import parse_day, period

TODAY = date(2026, 11, 22)


def test_only_the_iso_day_is_a_day():
    assert parse_day(" 2026-11-22 ") == TODAY
    assert parse_day(None) is None
    for bad in ("20261122", "2026/11/22", "2026-11-31", "22-11-2026", ""):
        with pytest.raises(StationError) as err:
            parse_day(bad)
        assert err.value.key == "reports.bad_date"


def test_a_period_is_one_day_a_range_or_today():
    assert period(None, None, None, today=TODAY) == (TODAY, TODAY)
    assert period("2026-11-01", None, None, today=TODAY) == (date(2026, 11, 1),) * 2
    assert period(None, "2026-11-01", None, today=TODAY) == (date(2026, 11, 1), TODAY)
    assert period(None, None, "2026-11-01", today=TODAY) == (date(2026, 11, 1),) * 2
    with pytest.raises(StationError) as both:
        period("2026-11-01", "2026-11-01", None, today=TODAY)
    assert both.value.key == "reports.date_and_range"
    with pytest.raises(StationError) as backwards:
        period(None, "2026-11-09", "2026-11-01", today=TODAY)
    assert backwards.value.key == "reports.bad_range"
    assert backwards.value.params == {"start": "2026-11-09", "end": "2026-11-01"}


def _doc() -> Document:
    doc = Document(title="报告", subtitle="2026-11-22")
    doc.facts = [("受理", "3")]
    doc.tables.append(Table("days", "按日", ["日期", "受理"], rows=[["2026-11-22", 3]]))
    return doc


def _no_pdf(doc: Document, path) -> None:
    raise AssertionError("only the pdf format draws a PDF")


def test_each_format_is_written_to_the_file(tmp_path):
    for fmt in ("table", "csv", "json"):
        out = tmp_path / f"r.{fmt}"
        write_report(fmt, out, document=_doc, data=lambda: {"cases": 3}, render_pdf=_no_pdf)
        raw = out.read_bytes()
        # Excel on a Chinese Windows needs the BOM to read a CSV as UTF-8; the others have none
        assert raw.startswith(b"\xef\xbb\xbf") == (fmt == "csv")
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8")) == {"cases": 3}
    assert "按日" in (tmp_path / "r.table").read_text(encoding="utf-8")
    assert (tmp_path / "r.csv").read_text(encoding="utf-8-sig").splitlines()[1] == "days,日期,受理"


def test_a_pdf_goes_to_a_file_only_and_in_the_callers_error(tmp_path):
    drawn = []
    write_report("pdf", tmp_path / "r.pdf", document=_doc, data=dict,
                 render_pdf=lambda doc, path: drawn.append((doc.title, path)))
    assert drawn == [("报告", tmp_path / "r.pdf")]
    with pytest.raises(CenterError) as err:
        write_report("pdf", None, document=_doc, data=dict, render_pdf=_no_pdf,
                     error=CenterError)
    assert err.value.key == "reports.pdf_needs_file"


def test_the_centre_refuses_a_bad_period_in_words(tmp_path):
    """The period is parsed before the database is opened: an empty home is enough."""
    runner = CliRunner()
    bad = runner.invoke(center_cli, ["--home", str(tmp_path), "report", "--date", "20261001"])
    # a sentence and exit 1 (SystemExit); an uncaught StationError would also exit 1
    assert bad.exit_code == 1 and isinstance(bad.exception, SystemExit)
    assert t("reports.bad_date", value="20261001") in bad.output
    both = runner.invoke(center_cli, ["--home", str(tmp_path), "report", "--date", "2026-10-01",
                                      "--from", "2026-10-01"])
    assert both.exit_code == 1 and isinstance(both.exception, SystemExit)
    assert t("reports.date_and_range") in both.output
    assert "Traceback" not in bad.output + both.output
