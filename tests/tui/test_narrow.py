"""At 80×24 nothing that matters falls off the screen (issue 17): every key of the key
bar (^L 锁屏 last), a three-line status bar, the first-run error."""

from __future__ import annotations

import html
import re
from dataclasses import replace

import pytest

from station.tui.keys import display
from tests.support.tui import make_app, screen_name, unlock, wait_for

pytestmark = pytest.mark.anyio


def screen_text(app) -> str:
    """The characters on screen, row by row, as the SVG screenshot draws them."""
    svg = app.export_screenshot()
    rows: dict[float, list[tuple[float, str]]] = {}
    for m in re.finditer(r'<text class="[^"]*" x="([\d.]+)" y="([\d.]+)"[^>]*>([^<]*)</text>',
                         svg):
        rows.setdefault(float(m[2]), []).append(
            (float(m[1]), html.unescape(m[3]).replace("\xa0", " ")))
    return "\n".join("".join(s for _, s in sorted(v)) for _, v in sorted(rows.items()))


def key_bar_fits(app) -> None:
    from shared.i18n import t

    bar = app.screen.query_one("KeyBar")
    shown = screen_text(app).replace(" ", "")
    for k in [*bar.keys, *app.KEYS]:
        if k.bar:
            assert (display(k) + t(k.label)).replace(" ", "") in shown, (
                type(app.screen).__name__, display(k), t(k.label))
    assert bar.region.bottom <= app.size.height


async def test_key_bars_and_a_full_status_bar_fit_80x24(ready):
    app = make_app(ready)
    async with app.run_test(size=(80, 24)) as pilot:
        await unlock(pilot)
        await wait_for(pilot, lambda: app.status is not None)
        # The longest status: a sync error and papers waiting for a reprint as well.
        app._set_status(replace(app.status, sync_error="连不上中心：连接被拒绝",
                                awaiting_reprint=2))
        await pilot.pause()
        text = screen_text(app)
        for part in ("连不上中心", "待重打", "工作人员：", "地点：新成村"):
            assert part in text.replace(" ", ""), part
        key_bar_fits(app)
        for key, name in (("f3", "CasesScreen"), ("escape", "DeskScreen"),
                          ("f6", "VisitsScreen"), ("w", "WaitingScreen")):
            await pilot.press(key)
            await wait_for(pilot, lambda n=name: screen_name(pilot) == n)
            await pilot.pause()
            key_bar_fits(app)


async def test_first_run_error_stays_in_sight_at_80x24(new_station):
    app = make_app(new_station)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: screen_name(pilot) == "FirstRunScreen")
        sites = app.screen.query_one("#sites")  # ticked or not, in characters
        assert sites.option_count and all(sites.render_line(y).text.startswith("[ ]")
                                          for y in range(sites.option_count))
        app.screen.query_one("#pass1").value = "abcdefgh12"
        app.screen.query_one("#pass2").value = "abcdefgh13"
        app.screen.action_create()
        error = app.screen.query_one("#error")
        await wait_for(pilot, lambda: bool(str(error.visual)))
        await pilot.pause()
        assert error.region.height >= 1 and error.region.bottom <= 24
        assert str(error.visual).strip()[:6] in screen_text(app).replace(" ", "")
