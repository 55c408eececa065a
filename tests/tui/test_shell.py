"""The app shell: first run, help, language, theme, command palette, status bar, errors."""

from __future__ import annotations

import pytest

from shared.errors import StationError
from shared.i18n import get_locale, t
from station.tui.theme import DEFAULT, SUNLIGHT
from tests.support.tui import (
    PASSPHRASE,
    SITE,
    insert_card,
    make_app,
    palette_run,
    screen_name,
    unlock,
    wait_for,
)
from tests.tui.textcheck import shown_strings

pytestmark = pytest.mark.anyio


async def test_first_run_creates_station_then_outing_then_desk(new_station):
    app = make_app(new_station)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: screen_name(pilot) == "FirstRunScreen")
        screen = app.screen
        screen.query_one("#name").value = "新办事厅"
        screen.query_one("#name").focus()
        await pilot.press("enter", "space")  # Enter: on to the site list; Space ticks the first
        assert list(screen.query_one("#sites").selected) == [new_station.known_sites()[0]]
        screen.query_one("#staff").value = "李工作"
        screen.query_one("#pass1").focus()
        await pilot.press(*PASSPHRASE)
        screen.query_one("#pass2").focus()
        await pilot.press(*"different1", "enter")
        assert "不一致" in str(screen.query_one("#error").visual)
        screen.query_one("#pass2").value = ""
        await pilot.press(*PASSPHRASE, "enter")
        await wait_for(pilot, lambda: screen_name(pilot) == "OutingScreen")
        assert new_station.initialised and not new_station.locked
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen_name(pilot) == "DeskScreen")
        outing = new_station.current_outing()
        assert outing is not None and outing.site == new_station.known_sites()[0]
        assert outing.staff_ids == (new_station.current_staff.id,)


async def test_help_lists_every_binding_of_every_screen(ready):
    """Every key any screen answers to — its own, the app's, and those Textual gives every
    screen — has a row in the help, under that screen or under 'every screen'; F6 (visit
    mode on the desk, booking a home visit from the picker) with its explanation."""
    from station.tui.app import StationApp
    from station.tui.screens.help import _screen_classes, help_sections

    sections = help_sections()
    everywhere = {key for row in sections[0].rows for key in row.keys}
    assert {k for k in StationApp._merged_bindings.key_to_bindings} <= everywhere
    by_screen = {s.screen: s for s in sections if s.screen is not None}
    for name, cls in _screen_classes().items():
        own = by_screen[cls].rows if cls in by_screen else []
        covered = everywhere | {key for row in own for key in row.keys}
        bound = set(cls._merged_bindings.key_to_bindings)
        assert bound <= covered, (name, bound - covered)

    app = make_app(ready)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        await pilot.press("f1")
        await wait_for(pilot, lambda: screen_name(pilot) == "HelpScreen")
        shown = app.screen.query_one("#keys").visual.plain.split("\n\n")
        for section, text in zip(sections, shown, strict=False):
            lines = text.splitlines()
            assert lines[0] == t(section.title)
            for row in section.rows:
                assert any(line.split() == [row.shown, *t(row.label).split()]
                           for line in lines), (section.title, row)
                for detail in t(row.detail).splitlines() if row.detail else []:
                    assert any(line.strip() == detail for line in lines), detail
        assert len(shown) - 1 == len(sections)  # the text ends with a blank line

        def rows(screen: str) -> dict[str, str]:
            section = next(s for s in sections if s.title == f"tui.help.screen.{screen}")
            return {r.shown: r.label for r in section.rows if r.detail}

        assert rows("DeskScreen") == {"F6": "visits.key_visits"}
        assert rows("PickerScreen") == {"F6": "visits.key_book"}
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_name(pilot) == "DeskScreen")


async def test_key_bar_shows_visit_keys(ready):
    """F6 is in the key bar of the desk (visit mode), and of the matter picker when the
    resident may be visited at home (80+) — not for a younger one; no entry is split."""
    from station.tui.widgets import KeyBar

    def bar() -> str:
        return app.screen.query_one(KeyBar).visual.plain

    app = make_app(ready)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        assert f"F6  {t('visits.key_visits')}" in bar()
        await insert_card(pilot, "elder")  # 88
        assert f"F6  {t('visits.key_book')}" in bar()
        keybar = app.screen.query_one(KeyBar)
        for entry in keybar.entries():  # packed in whole entries, two lines at 80 columns
            assert any(entry.plain in line for line in bar().splitlines()), entry.plain
        assert len(bar().splitlines()) == 2
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_name(pilot) == "DeskScreen")
        ready.insert_training_card(None)
        await insert_card(pilot, "young")
        assert "F6" not in bar()
        await pilot.press("f6")  # still works: a disabled resident is booked with the form
        await wait_for(pilot, lambda: screen_name(pilot) == "BookVisitScreen")


async def test_language_switch_relabels_the_desk(ready):
    app = make_app(ready)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        assert t("tui.desk.hint") in " ".join(shown_strings(app.screen))
        await pilot.press("f11")
        try:
            await wait_for(pilot, lambda: "Today's cases" in " ".join(shown_strings(app.screen)))
            assert get_locale() == "en"
            shown = " ".join(shown_strings(app.screen))
            assert "Ask the resident to insert the social-security card" in shown
            assert "Today's cases" in shown
        finally:
            await pilot.press("f11")
            await wait_for(pilot, lambda: get_locale() == "zh_CN")
        await wait_for(pilot, lambda: t("tui.desk.hint") in " ".join(shown_strings(app.screen)))


async def test_language_choice_survives_a_restart(ready, reader, printer, clock):
    """F11 is kept in the station's config: the next start opens in English."""
    from shared.i18n import set_locale
    from station.service import Service

    app = make_app(ready)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        await pilot.press("f11")
        await wait_for(pilot, lambda: get_locale() == "en")
        await pilot.press("ctrl+q")
    ready.close()
    set_locale("zh_CN")  # a new process starts in the default language

    again = Service(reader=reader, printer=printer, clock=clock, sleep=lambda _s: None)
    try:
        assert again.language == "en"
        app = make_app(again)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: screen_name(pilot) == "UnlockScreen")
            await pilot.pause()
            assert get_locale() == "en"
            shown = " ".join(shown_strings(app.screen))
            assert "Sign in" in shown and "登录" not in shown
            await unlock(pilot)
            assert "Ask the resident to insert" in " ".join(shown_strings(app.screen))
            await pilot.press("f11")  # and back: kept too
            await wait_for(pilot, lambda: get_locale() == "zh_CN")
        assert again.language == "zh_CN"
        # A language named for one run (station --lang en) is used but not kept.
        app = make_app(again, language="en")
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: screen_name(pilot) == "UnlockScreen")
            assert get_locale() == "en"
        assert again.language == "zh_CN"
    finally:
        again.close()


async def test_sunlight_theme_toggles(ready):
    app = make_app(ready)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        assert app.theme == DEFAULT
        await pilot.press("f12")
        assert app.theme == SUNLIGHT
        assert app.current_theme.background == "#FFFFFF"
        await pilot.press("f12")
        assert app.theme == DEFAULT


async def test_command_palette_offers_main_actions(ready):
    app = make_app(ready)
    async with app.run_test(size=(100, 30)) as pilot:
        await unlock(pilot)
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: screen_name(pilot) == "CommandPalette")
        await palette_run(pilot, "cases", t("tui.cmd.cases"))
        await wait_for(pilot, lambda: screen_name(pilot) == "CasesScreen")


async def test_status_bar_shows_training_printer_and_site(ready):
    app = make_app(ready)
    async with app.run_test(size=(120, 30)) as pilot:
        await unlock(pilot)
        await wait_for(pilot, lambda: app.status is not None)
        await pilot.pause()
        bar = str(app.screen.query_one("StatusBar").visual)
        status = ready.status()
        assert status.training and "培训模式" in bar
        assert status.printer_label in bar
        assert t("tui.status.pending", cases=status.pending_cases, count=status.pending) in bar
        assert f"工作人员：{status.staff.name}" in bar and f"地点：{SITE}" in bar


async def test_errors_become_messages_never_tracebacks(ready, monkeypatch):
    app = make_app(ready)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)

        def broken(*_a, **_k):
            raise RuntimeError("secret 310101193803120013")

        monkeypatch.setattr(ready, "training_cards", broken)
        await pilot.press("f4")
        await wait_for(pilot, lambda: t("common.unexpected") in [
            n.message for n in app._notifications])
        assert app.is_running and screen_name(pilot) == "DeskScreen"
        messages = [n.message for n in app._notifications]
        assert t("common.unexpected") in messages
        assert not any("310101193803120013" in m for m in messages)
        assert app.unexpected == ["RuntimeError"]
        app.unexpected.clear()  # consumed: this one was provoked

        def refused(*_a, **_k):
            raise StationError("service.locked")

        monkeypatch.setattr(ready, "training_cards", refused)
        await pilot.press("f4")
        await wait_for(pilot, lambda: t("service.locked") in [
            n.message for n in app._notifications])
        # the app still answers keys
        await pilot.press("f3")
        await wait_for(pilot, lambda: screen_name(pilot) == "CasesScreen")


def _raises(error: Exception):
    def compose(self):
        raise error
        yield  # a generator, like every compose

    return compose


async def test_a_screen_that_cannot_be_built_says_what_to_do(ready, monkeypatch):
    """compose raising: no blank screen, no traceback — the catalogued page, Esc back."""
    from station.tui.screens.guide import GuideScreen

    app = make_app(ready)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        await insert_card(pilot, "elder")
        built = GuideScreen.compose
        monkeypatch.setattr(GuideScreen, "compose",
                            _raises(RuntimeError("secret 310101193803120013")))
        await pilot.press("j", "l", "k", "enter")
        await wait_for(pilot, lambda: screen_name(pilot) == "GuideScreen")
        await pilot.pause()
        screen = app.screen
        shown = " ".join(shown_strings(screen))
        assert screen.broken
        for key in ("tui.broken.title", "tui.broken.unexpected", "tui.broken.next_back"):
            assert t(key) in shown, key
        assert "Esc" in shown and "310101193803120013" not in shown
        assert "Traceback" not in shown and "RuntimeError" not in shown
        assert app.unexpected == ["RuntimeError"]  # logged by type, for the tests
        app.unexpected.clear()
        # The guide's own keys are off (its widgets do not exist): nothing else goes wrong.
        await pilot.press("a", "space", "enter")
        await pilot.pause()
        assert screen_name(pilot) == "GuideScreen" and app.unexpected == []
        assert t("common.unexpected") not in [n.message for n in app._notifications]
        # The language switch builds it again: still broken, now said in English.
        await pilot.press("f11")
        await wait_for(pilot, lambda: "This screen could not be opened" in " ".join(
            shown_strings(app.screen)))
        app.unexpected.clear()
        await pilot.press("f11")
        await wait_for(pilot, lambda: t("tui.broken.title") in " ".join(
            shown_strings(app.screen)) and get_locale() == "zh_CN")
        app.unexpected.clear()
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_name(pilot) == "PickerScreen")
        # Fixed (here: put back), the same step works again.
        monkeypatch.setattr(GuideScreen, "compose", built)
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen_name(pilot) == "GuideScreen")
        assert not app.screen.broken and app.screen.query_one("#materials")

        # A refusal by the core while building is said in its own words.
        await pilot.press("escape", "escape")
        await wait_for(pilot, lambda: screen_name(pilot) == "DeskScreen")
        monkeypatch.setattr(ready, "resident_hints", lambda *_a: (_ for _ in ()).throw(
            StationError("service.locked")))
        ready.insert_training_card("retiree")
        await wait_for(pilot, lambda: screen_name(pilot) == "PickerScreen")
        await pilot.pause()
        assert t("service.locked") in " ".join(shown_strings(app.screen))
        assert app.unexpected == []
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_name(pilot) == "DeskScreen")


async def test_the_first_screen_broken_offers_to_quit(ready, monkeypatch):
    from station.tui.screens.unlock import UnlockScreen

    monkeypatch.setattr(UnlockScreen, "compose", _raises(KeyError("x")))
    app = make_app(ready)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: screen_name(pilot) == "UnlockScreen")
        await pilot.pause()
        shown = " ".join(shown_strings(app.screen))
        assert t("tui.broken.next_quit") in shown and t("tui.key.quit") in shown
        app.unexpected.clear()
        await pilot.press("escape")
        await wait_for(pilot, lambda: not app.is_running)


async def test_ctrl_c_says_how_to_quit_in_the_catalogue_language(ready):
    app = make_app(ready)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert [n.message for n in app._notifications] == [t("tui.quit_hint")]
        assert app.is_running


def test_every_screen_has_a_help_title():
    """A screen added to station/tui/screens needs a section title in the help."""
    from station.tui.screens.help import screens_with_keys

    titles = [title for title, _keys in screens_with_keys()]
    assert "tui.help.other" not in titles, titles


async def test_sync_now_before_enrolment_says_so(ready):
    app = make_app(ready)
    async with app.run_test(size=(100, 30)) as pilot:
        await unlock(pilot)
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: screen_name(pilot) == "CommandPalette")
        await palette_run(pilot, "sync", t("tui.cmd.sync"))
        await wait_for(pilot, lambda: t("tui.sync.not_enrolled") in [
            n.message for n in app._notifications])
        assert not ready.status().online
