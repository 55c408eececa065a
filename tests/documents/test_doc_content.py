"""Each document's content, read back from the PDF with poppler (no daemons)."""

from __future__ import annotations

import re

import pytest

from shared.i18n import set_locale
from station.documents import (
    Media,
    render,
    render_notice,
    render_receipt,
    render_run_sheet,
    render_slip,
)
from station.documents.layout import Document, Para, scrub
from tests.documents.pdfcheck import flat, ink_ratio, page_sizes_mm, pdf_text, word_heights
from tests.documents.samples import (
    FULL_ID,
    MASKED,
    notice_data,
    receipt_data,
    run_sheet_data,
    slip_data,
)

MEDIA = [Media.A4, Media.ROLL80]


@pytest.mark.parametrize("media", MEDIA)
def test_receipt_says_everything_the_resident_needs(media):
    pdf = render_receipt(receipt_data(materials_missing=("银行卡复印件",)), media)
    text = flat(pdf_text(pdf))
    for expected in ("受理回执", "流动办事厅·示范街道", "幸福小区活动室", "2026年11月23日",
                     "09:30", "ST0001-20261123-0007", "敬老卡申领", "MZ01", "张演示", MASKED,
                     "身份证原件", "户口簿原件", "一寸照片1张", "尚缺材料", "银行卡复印件",
                     "5个工作日", "2026年11月30日", "到社区事务受理服务中心领取",
                     "021-00000000", "工作人员甲"):
        assert expected in text, expected
    assert FULL_ID not in text
    assert ink_ratio(pdf) > 0.005


def test_receipt_immediate_matter_and_agent():
    text = flat(pdf_text(render_receipt(receipt_data(time_limit_days=0, due_date=None,
                                                     agent_name="王样例"))))
    assert "即办" in text and "王样例" in text and "代办人" in text
    assert "尚缺材料" not in text


@pytest.mark.parametrize("media", MEDIA)
def test_notice_lists_exactly_what_is_missing(media):
    pdf = render_notice(notice_data(), media)
    text = flat(pdf_text(pdf))
    for expected in ("一次性告知单", "房屋租赁合同登记备案", "赵模拟", "310104********0041",
                     "房屋租赁合同：原件1份（须出租人与承租人签字）", "出租人身份证：复印件1份",
                     "社区事务受理服务中心一楼综合窗口", "2026年12月7日", "一次性告知"):
        assert expected in text, expected
    assert ink_ratio(pdf) > 0.005


@pytest.mark.parametrize("media", MEDIA)
def test_slip_is_large_print(media):
    pdf = render_slip(slip_data(), media)
    text = flat(pdf_text(pdf))
    for expected in ("上门服务预约单", "张演示", MASKED, "示范路100弄5号302室", "2026年11月25日",
                     "上午9:00–12:00", "敬老卡申领", "居家养老服务补贴申请", "上门服务一组",
                     "V-20261125-03", "021-00000000"):
        assert expected in text, expected
    heights = [h for word, h in word_heights(pdf) if word.strip()]
    # Noto's line box is ~1.45 em: a 16 pt glyph run is ≥ 23 pt tall in pdftotext's boxes.
    assert heights and min(heights) >= 16 * 1.4, min(heights)
    assert ink_ratio(pdf) > 0.005


def test_ordinary_receipt_is_not_large_but_large_flag_makes_it_so():
    small = min(h for _, h in word_heights(render_receipt(receipt_data())))
    large = min(h for _, h in word_heights(render_receipt(receipt_data(large_print=True))))
    assert small < 16 * 1.4 <= large


@pytest.mark.parametrize("media", MEDIA)
def test_run_sheet_lists_stops_in_order(media):
    pdf = render_run_sheet(run_sheet_data(), media)
    text = flat(pdf_text(pdf))
    names = ["张演示", "李培训", "孙过期", "周样本"]
    positions = [text.index(n) for n in names]
    assert positions == sorted(positions)
    for expected in ("上门服务路线单", "上门服务一组", "工作人员甲", "工作人员乙", "幸福小区",
                     "行动不便", MASKED):
        assert expected in text, expected
    assert ink_ratio(pdf) > 0.005


def test_empty_run_sheet_says_so():
    assert "今日没有上门安排" in flat(pdf_text(render_run_sheet(run_sheet_data(stops=()))))


def test_page_sizes():
    assert page_sizes_mm(render_receipt(receipt_data()))[0] == pytest.approx((210, 297), abs=1)
    roll = page_sizes_mm(render_receipt(receipt_data(), Media.ROLL80))
    assert len(roll) == 1
    width, height = roll[0]
    assert width == pytest.approx(80, abs=0.5) and 100 < height < 400


def test_no_full_id_on_paper_even_if_the_caller_sends_one():
    for pdf in (render_receipt(receipt_data(masked_id=FULL_ID)),
                render_slip(slip_data(masked_id=FULL_ID, note=f"备注 {FULL_ID}"))):
        text = flat(pdf_text(pdf))
        assert FULL_ID not in text
        assert MASKED in text
    assert scrub(f"号码{FULL_ID}。") == f"号码{MASKED}。"
    assert scrub("ST0001-20261123-0007") == "ST0001-20261123-0007"


def test_rare_character_outside_gb2312_uses_the_full_face():
    name = "吴䶮"  # 䶮 (U+4DAE) is not in GB 2312
    text = flat(pdf_text(render_receipt(receipt_data(resident_name=name))))
    assert name in text


def test_a_document_leaves_the_shared_face_as_it_found_it():
    """Each document's font starts from maps parsed once per face; the subsetter rewrites
    its own copies, so what one document printed never changes the next one's font."""
    def undated(pdf: bytes) -> bytes:  # the date, and the file id fpdf2 hashes it into
        return re.sub(rb"/CreationDate \(D:\d+Z\)|/ID \[<[0-9A-F]+><[0-9A-F]+>\]", b"", pdf)

    first = render_receipt(receipt_data())
    render_notice(notice_data())
    render_receipt(receipt_data(resident_name="吴䶮"))  # the full face too
    assert undated(render_receipt(receipt_data())) == undated(first)
    assert "张演示" in flat(pdf_text(first))


def test_english_labels_follow_the_locale():
    set_locale("en")
    text = pdf_text(render_receipt(receipt_data()))
    assert "Acceptance receipt" in text and "Case number" in text
    assert "张演示" in flat(text)


def test_long_document_breaks_pages_on_a4():
    doc = Document("t", [Para("很长的一段说明文字。" * 40) for _ in range(12)])
    assert len(page_sizes_mm(render(doc))) >= 2
