"""Recording cases through the façade: real queue, real documents, fake printer."""

from __future__ import annotations

import json
import sqlite3
import subprocess

import pytest

from shared.errors import StationError
from station import paths
from station.cases.codec import CLEAR_KEYS
from station.hw.ports import JobStatus, PrinterStatus
from station.service import Service
from tests.support.station import ELDER_ID, ELDER_NAME, full_mz01


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def test_complete_case_is_accepted_and_receipt_printed(service: Service, printer, tmp_path):
    outcome = service.record_case(full_mz01(service))
    case = outcome.case
    assert case.status == "accepted" and case.missing == () and case.version == 1
    assert case.case_no.endswith("-001") and case.site == "新成村" and case.staff_id == "s01"
    assert case.due_date is not None and case.due_date > case.outing_date
    assert outcome.print.document == "receipt" and outcome.print.printed
    assert len(printer.submissions) == 1
    sub = printer.submissions[0]
    assert case.case_no in sub.title and ELDER_NAME not in sub.title
    text = pdf_text(sub.data, tmp_path)
    assert "敬老卡申领" in text and case.case_no in text
    assert "310101********0013" in text and ELDER_ID not in text
    # printed fine: nothing personal left behind in the spool
    assert not list((paths.data_dir() / "spool").glob("*.pdf"))
    again = service.open_case(case.case_no)
    assert again.resident.name == ELDER_NAME and again.answers["phone"] == "13812345678"
    assert service.record_case(full_mz01(service)).case.case_no.endswith("-002")


def test_missing_materials_print_the_one_time_notice(service: Service, printer, tmp_path):
    outcome = service.record_case(full_mz01(service, materials=frozenset({"id"})))
    case = outcome.case
    assert case.status == "materials_pending" and case.missing == ("form",)
    assert case.due_date is None
    assert outcome.print.document == "notice"
    text = pdf_text(printer.submissions[-1].data, tmp_path)
    assert "申请登记表" in text
    [row] = service.today_cases(status="materials_pending")
    assert row.status_label == "材料待补"
    # The missing paper arrives: amend → accepted, receipt prints, the promise starts.
    amended = service.amend(case.case_no, reason="补交申请登记表", materials={"id", "form"})
    assert amended.case.status == "accepted" and amended.case.version == 2
    assert amended.print.document == "receipt" and amended.case.due_date is not None
    assert [c.version for c in service.case_history(case.case_no)] == [1, 2]


@pytest.mark.parametrize("failure", ["offline", "job_failed"])
def test_print_failure_never_loses_the_case(service: Service, printer, failure):
    if failure == "offline":
        printer.status = PrinterStatus.OFFLINE
    else:
        printer.outcome = JobStatus.FAILED
    outcome = service.record_case(full_mz01(service))
    assert not outcome.print.printed
    assert "业务已记录" in outcome.print.message
    # Nothing personal waits on disk in the clear; the case number waits for the reprint.
    assert outcome.print.pdf_path is None
    assert not list((paths.data_dir() / "spool").glob("*.pdf"))
    assert service.awaiting_reprint() == [outcome.case.case_no]
    assert service.open_case(outcome.case.case_no).status == "accepted"
    [row] = service.today_cases()
    assert row.awaiting_reprint and service.status().awaiting_reprint == 1
    printer.status, printer.outcome = PrinterStatus.IDLE, JobStatus.COMPLETED
    again = service.reprint(outcome.case.case_no)
    assert again.printed and service.awaiting_reprint() == []


def test_papers_left_by_a_crash_mid_print_are_purged(service: Service, printer, clock):
    printer.status = PrinterStatus.OFFLINE
    case_no = service.record_case(full_mz01(service)).case.case_no
    leftover = paths.data_dir() / "spool" / f"{case_no}-v1-receipt.pdf"
    leftover.write_bytes(b"%PDF-1.4 left behind by a crash")
    service.close()
    reopened = Service(printer=printer, clock=clock)
    reopened.today_cases()  # opening the queue purges the spool
    assert not leftover.exists()
    assert reopened.awaiting_reprint() == [case_no]  # a reprint renders it again
    reopened.close()


def test_rate_amend_withdraw(service: Service):
    case = service.record_case(full_mz01(service)).case
    service.rate(case.case_no, None)  # skipped: nothing stored
    assert service.open_case(case.case_no).version == 1
    with pytest.raises(StationError) as err:
        service.rate(case.case_no, 6)
    assert err.value.key == "service.rating_range"
    service.rate(case.case_no, 5)
    assert service.open_case(case.case_no).rating == 5
    with pytest.raises(StationError) as err:
        service.amend(case.case_no, reason=" ", answers={"phone": "13900000000"})
    assert err.value.key == "intake.reason_empty"
    with pytest.raises(StationError) as err:
        service.amend(case.case_no, reason="电话写错", answers={"phone": "1"})
    assert err.value.key == "intake.field_problem"
    assert service.open_case(case.case_no).version == 2  # the bad amendment stored nothing
    fixed = service.amend(case.case_no, reason="电话写错",
                          answers={"phone": "13900000000", "payout": "社保卡（敬老卡）"})
    assert fixed.print is None and fixed.case.answers["phone"] == "13900000000"
    assert fixed.case.rating == 5 and fixed.case.reason == "电话写错"
    with pytest.raises(StationError) as err:
        service.withdraw(case.case_no, reason="")
    assert err.value.key == "intake.reason_empty"
    gone = service.withdraw(case.case_no, reason="居民决定不办")
    assert gone.status == "withdrawn" and gone.version == 4
    with pytest.raises(StationError) as err:
        service.reprint(case.case_no)
    assert err.value.key == "service.case_withdrawn"
    [row] = service.today_cases()
    assert row.status == "withdrawn" and row.version == 4
    with pytest.raises(StationError) as err:
        service.open_case("NOSUCH-000000-001")
    assert err.value.key == "service.case_unknown"


def test_today_cases_work_locked_and_filter(service: Service):
    service.record_case(full_mz01(service))
    young = service.resident("310104200001010041", "赵模拟")
    guide = service.matter_guide("SB01", young)
    from station.service import CaseDraft

    answers = {"phone": "13812345678", "photo_receipt": "PH123456", "bank": "上海银行",
               "old_card": "否"}
    draft = CaseDraft(resident=young, matter="SB01", answers=answers,
                      materials=frozenset(m.code for m in guide.materials))
    problems = service.validate(draft)
    assert not problems, [p.message() for p in problems]
    service.record_case(draft)
    service.lock()
    rows = service.today_cases()
    assert [r.matter for r in rows] == ["SB01", "MZ01"]  # newest first
    assert [r.matter for r in service.today_cases(line="MZ")] == ["MZ01"]
    assert [r.matter for r in service.today_cases(line="社保卡")] == ["SB01"]
    assert [r.matter for r in service.today_cases(matter="sb01")] == ["SB01"]
    assert service.today_cases(staff_id="s02") == []
    assert rows[0].staff_name == "王芳" and rows[0].matter_name


def test_clear_metadata_holds_nothing_personal(service: Service):
    agent_id = "310105196205200020"
    service.record_case(full_mz01(service, agent=service.agent(agent_id, "女儿", "李培训")))
    case = service.today_cases()[0]
    service.amend(case.case_no, reason=f"{ELDER_NAME}的电话改了",
                  answers={"phone": "13912345678", "payout": "社保卡（敬老卡）"})
    service.close()
    db = sqlite3.connect(paths.queue_file())
    metas = [json.loads(m) for (m,) in db.execute("SELECT meta FROM records")]
    db.close()
    assert metas and all(set(m) <= set(CLEAR_KEYS) for m in metas)
    secrets = [ELDER_NAME, ELDER_ID, agent_id, "李培训", "13812345678", "13912345678",
               "电话改了"]
    for m in metas:
        for value in m.values():
            assert not any(s in value for s in secrets)
    raw = b"".join(p.read_bytes() for p in paths.queue_file().parent.glob("queue.sqlite3*"))
    for s in secrets:
        assert s.encode() not in raw and s.encode("gbk", "ignore") not in raw
    for f in paths.data_dir().rglob("*"):
        assert not any(s in f.name for s in secrets)
