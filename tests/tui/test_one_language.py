"""One language at a time in the TUI (issue 17): what zh mode showed in English — yes/no
answers as ``false``, half-days as ``am``/``pm``, ``station enroll`` in a toast, a chart's
``(max 11)`` — now reads in Chinese. The walk over every screen and key is in
test_every_key.py (its ``_one_language`` check); these reach what that walk does not."""

from __future__ import annotations

from datetime import date

import pytest

from shared.i18n import t
from shared.reports.charts import text_chart
from shared.reports.document import Chart
from station.cases.model import CaseDraft
from station.tui.when import parse_slot, slot_text
from tests.support.tui import PASSPHRASE, TYPED_ID, make_app, screen_name, unlock, wait_for
from tests.tui.test_narrow import screen_text
from tests.tui.zhcheck import english_words

pytestmark = pytest.mark.anyio


def test_the_check_finds_english_and_lets_codes_keys_and_data_pass():
    assert english_words("报表已送打印：completed")
    assert english_words("2026-11-24 am")
    assert english_words("是否独居：false")
    assert english_words("本机尚未在中心登记（station enroll）")
    assert english_words("  11-01 … 11-23  (max 11)")
    assert not english_words("F2 输入证件号  Tab 下一项  Esc 返回  ^L 锁屏  F11 中文 / English")
    assert not english_words("MZ01 敬老卡申领 TESTAB-261123-001 PDF CUPS A4 310101********0013")
    assert not english_words("办事点：测试街道流动办事厅 (TESTAB)")
    assert not english_words("打印机：fake", {"fake"})


def test_half_days_are_typed_and_shown_in_the_staffs_language():
    assert slot_text(date(2026, 11, 25), "pm") == "2026-11-25 下午"
    assert parse_slot("2026-11-25 上午") == (date(2026, 11, 25), "am")
    assert parse_slot("2026-11-25 下午") == (date(2026, 11, 25), "pm")
    assert parse_slot("2026-11-25 Afternoon") == (date(2026, 11, 25), "pm")
    assert parse_slot("2026-11-25 pm") == (date(2026, 11, 25), "pm")  # as the CLI takes it
    assert parse_slot("2026-11-25") == (date(2026, 11, 25), "am")
    for bad in ("2026-11-25 中午", "25/11/2026 上午", "", "2026-11-25 上午 x"):
        with pytest.raises(ValueError):
            parse_slot(bad)


def test_a_line_chart_names_its_top_in_chinese():
    chart = Chart("trend", "每日件数", "line", ["11-01", "11-23"], [3, 11])
    text = text_chart(chart)
    assert t("reports.chart_max", max="11") in text and not english_words(text)


async def test_yes_no_answers_read_as_yes_no_on_the_case_and_amend_screens(ready):
    ready.unlock(ready.staff()[0].id, PASSPHRASE)
    draft = CaseDraft(resident=ready.resident(TYPED_ID, "钱测试"), matter="MZ05",
                      answers={"mode": "堂吃", "meal_point": "新成村长者食堂",
                               "lives_alone": "false"},
                      materials=frozenset({"id"}))
    case_no = ready.record_case(draft).case.case_no
    ready.lock()
    app = make_app(ready)
    async with app.run_test(size=(100, 30)) as pilot:
        await unlock(pilot)
        from station.tui.screens.case import CaseScreen

        app.push_screen(CaseScreen(case_no))
        await wait_for(pilot, lambda: screen_name(pilot) == "CaseScreen"
                       and "新成村长者食堂" in screen_text(app))
        shown = screen_text(app)
        assert t("tui.confirm.answer", label="是否独居", value=t("common.no")) in shown
        assert not english_words(shown)
        await pilot.press("m")
        await wait_for(pilot, lambda: screen_name(pilot) == "AmendScreen")
        await pilot.pause()
        i = [f.key for f in app.screen.guide.fields].index("lives_alone")
        box = app.screen.query_one(f"#field-{i}")
        assert box.value is False and "false" not in screen_text(app)
        box.value = True  # lives alone after all: saved as the field's stored value
        assert app.screen._answers()["lives_alone"] == "true"
        assert not english_words(screen_text(app))


async def test_sync_when_not_enrolled_says_what_to_do_in_chinese(ready):
    app = make_app(ready)
    async with app.run_test(size=(100, 30)) as pilot:
        await unlock(pilot)
        app.action_sync()
        await wait_for(pilot, lambda: any(n.message == t("tui.sync.not_enrolled")
                                          for n in app._notifications))
        assert not english_words("\n".join(n.message for n in app._notifications))
