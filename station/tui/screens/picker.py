"""Pick the matter: type Chinese, pinyin initials (jlk) or the code, or narrow by line / menu."""

from __future__ import annotations

import contextlib
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from shared.errors import StationError
from shared.i18n import t
from station.tui.base import StationScreen
from station.tui.flow import ServeFlow
from station.tui.keys import Key
from station.tui.plain import Static
from station.tui.widgets import KeyBar, ResidentPanel


class PickerScreen(StationScreen):
    KEYS: ClassVar[list[Key]] = [
        Key("enter", "choose", "tui.key.choose", shown="Enter"),
        Key("f2", "next_line", "tui.key.by_line", priority=True),
        Key("f3", "next_menu", "tui.key.by_menu", priority=True),
        Key("up", "move(-1)", "tui.key.move", shown="↑↓", priority=True),
        Key("down", "move(1)", "tui.key.move", shown="↓", bar=False, priority=True),
        Key("escape", "back", "tui.key.cancel", shown="Esc"),
        # In the key bar only when the resident may be visited (see bar_keys); always works.
        Key("f6", "book_visit", "visits.key_book", bar=False, priority=True),
    ]

    def __init__(self, flow: ServeFlow) -> None:
        super().__init__()
        self.flow = flow
        self.line: str | None = None
        self.menu: str | None = None
        self.matters: list[Any] = []

    def compose(self) -> ComposeResult:
        if not self.flow.hints:
            self.flow.hints = self.station.service.resident_hints(self.flow.resident)
        yield Static(t("tui.picker.title"), classes="title")
        yield ResidentPanel(self.flow.resident, self.flow.hints,
                            today=self.station.today(), id="resident")
        yield Static("", id="filters")
        yield Input(id="search", placeholder=t("tui.picker.search_hint"))
        yield OptionList(id="matters")
        yield KeyBar(self.bar_keys())

    def bar_keys(self) -> list[Key]:
        """F6 (预约上门) joins the key bar when the resident is eligible by the ID number
        (80+) — not when already serving at the resident's door."""
        offer = False
        if not self.flow.visit:
            with contextlib.suppress(StationError):
                offer = self.station.service.visits.offer(self.flow.resident)
        return [k._replace(bar=True) if k.action == "book_visit" and offer else k
                for k in self.KEYS]

    def on_mount(self) -> None:
        self.search()
        self.query_one("#search", Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.search()

    def search(self) -> None:
        query = self.query_one("#search", Input).value.strip()
        service = self.station.service
        found = service.search_matters(query, line=self.line, menu=self.menu)
        options = self.query_one("#matters", OptionList)
        # Typing often leaves the same list: keep it rather than rebuild (keeps keys fast).
        if [m.code for m in found] != [m.code for m in self.matters] or not options.option_count:
            self.matters = found
            options.set_options([self._option(m) for m in found])
        if self.matters:
            options.highlighted = 0
        self._show_filters()

    def _option(self, m: Any) -> Option:
        limit = (t("tui.matter.immediate") if m.time_limit_days == 0
                 else t("tui.matter.days", days=m.time_limit_days))
        label = Text.assemble(f"{m.code}  ", (m.name, "bold"), "  ",
                              (f"{m.line_name} · {limit}", "dim"))
        return Option(label, id=m.code)

    def _show_filters(self) -> None:
        if not hasattr(self, "_lines"):
            self._lines = self.station.service.lines()
            self._menus = self.station.service.menus()
        line = next((c.label for c in self._lines if c.value == self.line),
                    t("tui.picker.all"))
        menu = next((c.label for c in self._menus if c.value == self.menu),
                    t("tui.picker.all"))
        self.query_one("#filters", Static).update(
            t("tui.picker.filters", line=line, menu=menu, count=len(self.matters)))

    @staticmethod
    def _cycle(current: str | None, values: list[str]) -> str | None:
        options: list[str | None] = [None, *values]
        return options[(options.index(current) + 1) % len(options)]

    def action_next_line(self) -> None:
        self.line = self._cycle(self.line, [c.value for c in self._lines])
        self.search()

    def action_next_menu(self) -> None:
        self.menu = self._cycle(self.menu, [c.value for c in self._menus])
        self.search()

    def action_move(self, step: int) -> None:
        options = self.query_one("#matters", OptionList)
        if not self.matters:
            return
        current = options.highlighted or 0
        options.highlighted = max(0, min(len(self.matters) - 1, current + step))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_choose()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.action_choose()

    def action_choose(self) -> None:
        options = self.query_one("#matters", OptionList)
        if options.highlighted is None or not self.matters:
            self.notify(t("tui.picker.nothing"))
            return
        code = self.matters[options.highlighted].code
        guide = self.station.service.matter_guide(code, self.flow.resident)
        if self.flow.guide is None or self.flow.matter != code:
            self.flow.ticked = set()
            self.flow.answers = {}
            self.flow.delivery = None
        self.flow.guide = guide
        from station.tui.screens.guide import GuideScreen

        self.app.push_screen(GuideScreen(self.flow))

    def action_book_visit(self) -> None:
        """预约上门 for an eligible resident (80+ by the ID number; others via the form)."""
        from station.tui.screens.book_visit import BookVisitScreen

        self.app.push_screen(BookVisitScreen(self.flow.resident))

    def action_back(self) -> None:
        self.app.pop_screen()
