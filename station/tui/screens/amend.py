"""Amend a case: change materials, answers or delivery; a new version with a reason."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Checkbox, Input, RadioButton, RadioSet, SelectionList
from textual.widgets.selection_list import Selection

from shared.i18n import t
from shared.text import visible
from station.tui.base import StationScreen
from station.tui.keys import Key
from station.tui.plain import Label, Static, plain
from station.tui.widgets import KeyBar, RadioMark, TickBox, TickList


class AmendScreen(StationScreen):
    KEYS: ClassVar[list[Key]] = [
        Key("ctrl+s", "save", "tui.key.save", priority=True),
        Key("escape", "back", "tui.key.cancel", shown="Esc"),
    ]

    def __init__(self, case: Any, guide: Any) -> None:
        super().__init__()
        self.case = case
        self.guide = guide

    def compose(self) -> ComposeResult:
        c, g = self.case, self.guide
        yield Static(t("tui.amend.title", case_no=c.case_no), classes="title")
        with VerticalScroll(id="form"):
            yield Static(t("tui.guide.materials"), classes="section")
            yield TickList(
                *[Selection(Text.assemble((m.name, "bold"), "  ", (m.detail, "dim")),
                            m.code, m.code in c.materials) for m in g.materials],
                id="materials")
            for i, f in enumerate(g.fields):
                yield Label(f.label + (" *" if f.required else ""))
                value = c.answers.get(f.key, "")
                if f.kind == "bool":  # stored "true"/"false": a box, never the word
                    yield TickBox(f.label, value == "true", id=f"field-{i}")
                elif f.choices:
                    with RadioSet(id=f"field-{i}"):
                        for ch in f.choices:
                            yield RadioMark(plain(ch.label), value=ch.value == value, name=ch.value)
                else:
                    # a stored value is shown (and saved back) with control chars written out
                    yield Input(visible(value), id=f"field-{i}", placeholder=f.hint)
            yield Static(t("tui.details.delivery"), classes="section")
            with RadioSet(id="delivery"):
                for d in g.deliveries:
                    yield RadioMark(plain(d.label), value=d.value == c.delivery, name=d.value)
        yield KeyBar(self.KEYS)

    def on_mount(self) -> None:
        self.query_one("#materials").focus()

    def _answers(self) -> dict[str, str]:
        answers: dict[str, str] = {}
        for i, f in enumerate(self.guide.fields):
            widget = self.query_one(f"#field-{i}")
            if isinstance(widget, Input):
                value = widget.value.strip()
            elif isinstance(widget, Checkbox):
                value = "true" if widget.value else "false"
            else:
                pressed = widget.pressed_button  # type: ignore[attr-defined]
                value = (pressed.name or "") if pressed is not None else ""
            if value:
                answers[f.key] = value
        return answers

    def action_save(self) -> None:
        from station.tui.screens.reason import ReasonModal

        self.app.push_screen(ReasonModal(t("tui.amend.reason_title")), self._save)

    def _save(self, reason: str | None) -> None:
        if not reason:
            return
        delivery = next((b.name for b in self.query_one("#delivery").query(RadioButton)
                         if b.value), None)
        service, case_no, answers = self.station.service, self.case.case_no, self._answers()
        materials = list(self.query_one("#materials", SelectionList).selected)
        # A changed status prints a new paper: off the UI thread.
        self.station.background(
            lambda: service.amend(case_no, reason=reason, answers=answers,
                                  materials=materials, delivery=delivery),  # type: ignore[arg-type]
            self._saved)

    def _saved(self, outcome: Any) -> None:
        self.notify(t("tui.amend.saved", version=outcome.case.version))
        if outcome.print is not None:
            self.notify(outcome.print.message,
                        severity="information" if outcome.print.printed else "warning")
        self.app.pop_screen()

    def action_back(self) -> None:
        self.app.pop_screen()
