"""The visit papers through the REAL isolated cupsd of tests/hw: what comes out of the
sink queue is read back with pdftotext; the slip is large print (≥ 16 pt)."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

from station.hw.cups_printer import CupsPrinter
from station.visits.model import Contact
from tests.documents.pdfcheck import flat, pdf_text, word_heights
from tests.support.station import ELDER_ID, PASS, book_elder, make_service

DAY = date(2026, 11, 24)
LARGE_BOX = 16 * 1.4  # Noto's line box ≈ 1.45 em: 16 pt text is ≥ 23 pt tall in -bbox


def sink_files(cupsd) -> list[Path]:
    return sorted((cupsd.outdir / cupsd.QUEUE).glob("job-*.pdf"))


def wait_for_new(cupsd, before: int) -> Path:
    end = time.monotonic() + 120  # a last guard: CUPS filters are slow on a loaded machine
    while time.monotonic() < end:
        files = sink_files(cupsd)
        if len(files) > before:
            return files[-1]
        time.sleep(0.1)
    raise AssertionError("nothing reached the CUPS sink")


def test_slip_run_sheet_and_call_list_print_through_cups(cupsd, clock, monkeypatch):
    from station import config

    # The widest letters make the longest visit numbers: the worst case for the columns.
    monkeypatch.setattr(config, "new_station_id", lambda: "WWMWMW")
    svc = make_service(CupsPrinter(cupsd.QUEUE, host="127.0.0.1", port=cupsd.port), clock)
    member = svc.initialise(name="测试办事厅", sites=["新成村"], staff_name="王芳",
                            passphrase=PASS)
    svc.start_outing("新成村", [member.id])
    try:
        appt = book_elder(svc, family=Contact("张小明", "13700001234", "儿子"))
        svc.visits.schedule(appt.id, DAY, "am")
        other = book_elder(svc, id_number="310105194501010011", name="李寿星",
                           address="爱里舍 3号 1单元 101室", phone="02164001234",
                           matters_=["MZ01"])
        svc.visits.schedule(other.id, DAY, "am")

        outcome = svc.visits.print_slip(appt.id)
        assert outcome.printed, outcome.message
        slip = wait_for_new(cupsd, 0)
        text = flat(pdf_text(slip))
        for expected in ("上门服务预约单", "张演示", "310101********0013", "新成村12号3单元402室",
                         "2026年11月24日", "上午09:00–11:30", "上门一组", "敬老卡申领",
                         "居家养老服务补贴申请", "本人居民身份证", "户口簿",
                         "老年照护统一需求评估结果告知书", appt.id):
            assert expected in text, expected
        assert ELDER_ID not in text
        heights = [h for word, h in word_heights(slip) if word.strip()]
        assert heights and min(heights) >= LARGE_BOX, min(heights)

        [sheet] = svc.visits.print_run_sheet(DAY)
        assert sheet.printed, sheet.message
        run = wait_for_new(cupsd, 1)
        text = flat(pdf_text(run))
        plan = svc.visits.plan(DAY)[0]
        for expected in ("上门服务路线单", "步行合计", f"{plan.total_walk_minutes}分钟",
                         "张演示", "李寿星", "13912345678", "02164001234", "敬老卡申领",
                         "310101********0013", "310105********0011", "13700001234",
                         f"{plan.visits[0].start:%H:%M}"):
            assert expected in text, expected
        # 新成村 (8 min from the centre) before 爱里舍: the walking order is on paper.
        assert text.index("张演示") < text.index("李寿星")
        # The team's sheet is ordinary print: the large-print floor is the slip's own.
        assert min(h for w, h in word_heights(run) if w.strip()) < LARGE_BOX

        calls = svc.visits.print_call_list(DAY)
        assert calls.printed, calls.message
        text = flat(pdf_text(wait_for_new(cupsd, 2)))
        for expected in ("上门服务电话提醒名单", "13912345678", "张小明", "13700001234",
                         "02164001234", appt.id, other.id):
            assert expected in text, expected
    finally:
        svc.close()
