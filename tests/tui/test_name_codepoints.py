"""A name the input method cannot type: staff key in ``U+20000`` and the field shows 𠀀;
the receipt carries it (read back with pdftotext). Under the Pilot, with the real service."""

from __future__ import annotations

import pytest

from tests.documents.pdfcheck import flat, pdf_text
from tests.support.tui import TYPED_ID, make_app, screen_name, unlock, wait_for
from tests.tui.test_serve import record, serve_mz01
from tests.tui.textcheck import shown_strings

pytestmark = pytest.mark.anyio


async def to_identify(pilot) -> None:
    await unlock(pilot)
    await pilot.press("f2")
    await wait_for(pilot, lambda: screen_name(pilot) == "IdentifyScreen")
    await pilot.press(*TYPED_ID, "enter")
    await wait_for(pilot, lambda: pilot.app.focused.id == "name")


async def test_a_code_point_typed_in_the_name_field_becomes_the_character(ready, printer):
    app = make_app(ready)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_identify(pilot)
        field = app.screen.query_one("#name")
        assert "U+20000" in field.placeholder  # the hint, in the field itself
        await pilot.press(*"U+2000")
        assert field.value == "U+2000"  # not yet U+2000 (EN QUAD): a fifth digit may follow
        await pilot.press("0", "䶮")
        await wait_for(pilot, lambda: field.value == "𠀀䶮")
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen_name(pilot) == "PickerScreen")
        await serve_mz01(pilot)
        await record(pilot)
        outcome = app.screen.flow.outcome
        assert outcome.case.resident.name == "𠀀䶮"
        assert outcome.print.printed
        [job] = printer.submissions
        assert "𠀀䶮" in flat(pdf_text(job.data))


async def test_a_code_at_the_end_is_converted_on_enter_and_a_bad_one_explained(ready):
    app = make_app(ready)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_identify(pilot)
        field = app.screen.query_one("#name")
        await pilot.press(*"王U+D800", "enter")
        await wait_for(pilot, lambda: "U+D800" in str(app.screen.query_one("#error").visual))
        assert screen_name(pilot) == "IdentifyScreen"
        assert ready.today_cases() == []
        field.value = ""
        await pilot.press(*"王U+2A6A5", "enter")  # the last code ends with the field
        await wait_for(pilot, lambda: screen_name(pilot) == "PickerScreen")
        assert app.screen.flow.resident.name == "王𪚥"


async def test_the_agent_name_takes_codes_too(ready):
    app = make_app(ready)
    async with app.run_test(size=(100, 30)) as pilot:
        await to_identify(pilot)
        await pilot.press(*"钱打字", "enter")
        await wait_for(pilot, lambda: screen_name(pilot) == "PickerScreen")
        await pilot.press("j", "l", "k", "enter")
        await wait_for(pilot, lambda: screen_name(pilot) == "GuideScreen")
        await pilot.press("a", "enter")
        await wait_for(pilot, lambda: screen_name(pilot) == "DetailsScreen")
        screen = app.screen
        screen.query_one("#agent").value = True
        await pilot.pause()
        agent_name = screen.query_one("#agent_name")
        screen.set_focus(agent_name)
        await pilot.press(*"u+3400")
        screen.set_focus(screen.query_one("#agent_relation"))  # leaving the field ends the code
        await wait_for(pilot, lambda: agent_name.value == "㐀")
        assert "U+" in agent_name.placeholder



async def test_the_visit_booking_name_takes_codes_too(ready):
    from tests.support.tui import insert_card

    app = make_app(ready)
    async with app.run_test(size=(100, 30)) as pilot:
        await unlock(pilot)
        await insert_card(pilot, "elder")
        await pilot.press("f6")
        await wait_for(pilot, lambda: screen_name(pilot) == "BookVisitScreen")
        name = app.screen.query_one("#name")
        name.value = ""
        app.screen.set_focus(name)
        await pilot.press(*"U+30EDEU+30EDE面")
        await wait_for(pilot, lambda: name.value == "𰻞𰻞面")


async def test_a_name_no_font_can_print_is_recorded_and_the_paper_refused_in_words(ready, printer):
    from tests.documents.test_rare_names import unprintable

    code = f"U+{unprintable():04X}"
    app = make_app(ready)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_identify(pilot)
        await pilot.press(*f"王{code}", "enter")
        await wait_for(pilot, lambda: screen_name(pilot) == "PickerScreen")
        await serve_mz01(pilot)
        await record(pilot)
        outcome = app.screen.flow.outcome
        assert not outcome.print.printed and printer.submissions == []
        assert code in outcome.print.message and "王" not in outcome.print.message
        assert outcome.print.message in " ".join(shown_strings(app.screen))
        (case,) = ready.today_cases()
        assert case.awaiting_reprint
