"""A promised date counted through a year with no published holiday notice says so on the
receipt (read back with pdftotext), on screen and in the case JSON (issue 15)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from station.commands.case import case_dict
from station.hw.fakes import FakePrinter
from station.hw.simulated import SimulatedCardReader
from tests.documents.pdfcheck import flat, pdf_text
from tests.support.station import Clock, full_mz01, make_service, open_outing

SHANGHAI = timezone(timedelta(hours=8))


def record_mz01(printer: FakePrinter, when: datetime):
    service = open_outing(make_service(printer, Clock(when), SimulatedCardReader()))
    try:
        outcome = service.record_case(full_mz01(service))
        guide = service.matter_guide("MZ01")
    finally:
        service.close()
    return outcome.case, guide


def test_a_due_date_in_2027_is_an_estimate_on_paper_screen_and_json(printer):
    case, guide = record_mz01(printer, datetime(2026, 12, 7, 10, 0, tzinfo=SHANGHAI))
    # MZ01 promises 20 working days; 元旦 2027 counts as a day off (the 办法's 1 January).
    assert case.due_date.isoformat() == "2027-01-05"
    text = flat(pdf_text(printer.submissions[-1].data))
    assert "20个工作日，预计2027年1月5日（星期二）前办结，以当年放假安排为准" in text
    data = case_dict(case, case.outing_date)
    assert data["due_date"] == "2027-01-05" and data["due_date_estimated"] is True
    assert guide.due_estimated is True

    from station.tui.matter_text import limit_text

    assert limit_text(guide) == "20 个工作日（预计 2027-01-05 前，以当年放假安排为准）"


def test_a_due_date_inside_a_published_year_is_firm(printer):
    case, guide = record_mz01(printer, datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI))
    assert case.due_date.isoformat() == "2026-11-30"
    text = flat(pdf_text(printer.submissions[-1].data))
    assert "预计2026年11月30日（星期一）前办结" in text and "以当年放假安排为准" not in text
    assert case_dict(case, case.outing_date)["due_date_estimated"] is False
    assert guide.due_estimated is False
