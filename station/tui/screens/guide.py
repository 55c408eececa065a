"""办事样本: the matter's materials to tick, and whether this resident is eligible."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.content import Content
from textual.widgets import SelectionList
from textual.widgets.selection_list import Selection

from shared.i18n import t
from station.tui.base import StationScreen
from station.tui.flow import ServeFlow
from station.tui.keys import Key
from station.tui.matter_text import limit_text
from station.tui.plain import Static
from station.tui.widgets import KeyBar, ResidentPanel, Styled, TickList


class GuideScreen(StationScreen):
    KEYS: ClassVar[list[Key]] = [
        Key("space", "toggle", "tui.key.tick", shown="Space", bar=True),
        Key("a", "all_present", "tui.key.all_present", priority=True),
        Key("n", "none_present", "tui.key.none_present", bar=False),
        Key("enter", "next", "tui.key.next", shown="Enter", priority=True),
        Key("escape", "back", "tui.key.back", shown="Esc"),
    ]

    def __init__(self, flow: ServeFlow) -> None:
        super().__init__()
        self.flow = flow

    def compose(self) -> ComposeResult:
        guide = self.flow.guide
        yield Static(t("tui.guide.title", code=guide.matter.code, name=guide.matter.name),
                     classes="title")
        yield ResidentPanel(self.flow.resident, self.flow.hints,
                            today=self.station.today(), id="resident")
        yield Static(t("tui.guide.limit", limit=limit_text(guide)), id="limit")
        yield Static(self._eligibility(), id="eligibility")
        yield Static(t("tui.guide.materials"), classes="section")
        yield TickList(
            *[Selection(self._material(m), m.code, m.code in self.flow.ticked)
              for m in guide.materials],
            id="materials",
        )
        yield Static("", id="missing")
        yield KeyBar(self.KEYS)

    def _material(self, m: Any) -> Text:
        text = Text.assemble((m.name, "bold"), "  ", (m.detail, "dim"))
        if not m.required:
            text.append("  " + t("tui.guide.optional"), style="italic")
        elif m.condition is not None:
            text.append("  " + t("tui.guide.conditional", when=self._condition(m)),
                        style="italic")
        return text

    def _condition(self, m: Any) -> str:
        key, values = m.condition
        if key == "delivery":
            label = t("tui.details.delivery")
            shown = [d.label for d in self.flow.guide.deliveries if d.value in values]
        else:
            label = next((f.label for f in self.flow.guide.fields if f.key == key), key)
            shown = list(values)
        return t("tui.guide.condition", field=label, values="/".join(shown))

    def _eligibility(self) -> Content:
        e = self.flow.guide.eligibility
        if e is None:
            return Styled().content
        if e.ok:
            text = Styled(t("tui.guide.eligible"), "bold $success")
            if e.reason:
                text.append("  " + e.reason)
        else:
            text = Styled(t("tui.guide.not_eligible", reason=e.reason), "bold $error")
        if getattr(e, "to_confirm", ()):
            text.append("\n" + t("tui.guide.to_confirm", items="；".join(e.to_confirm)),
                        style="bold")
        if e.review:
            text.append("  " + t("tui.guide.review"), style="dim")
        return text.content

    def on_mount(self) -> None:
        self.query_one("#materials", SelectionList).focus()
        self._update_missing()

    def on_selection_list_selected_changed(self, event: SelectionList.SelectedChanged) -> None:
        self.flow.ticked = set(self.query_one("#materials", SelectionList).selected)
        self._update_missing()

    def _missing(self) -> list[Any]:
        return self.flow.missing()

    def _update_missing(self) -> None:
        missing = self._missing()
        box = self.query_one("#missing", Static)
        if missing:
            box.update(t("tui.guide.missing", count=len(missing)))
            box.set_classes("warn")
        else:
            box.update(t("tui.guide.complete"))
            box.set_classes("ok")

    def action_toggle(self) -> None:
        self.query_one("#materials", SelectionList).action_select()

    def action_all_present(self) -> None:
        # Only what the answers so far need: a bank-card copy is not "present" for the 社保卡.
        materials = self.query_one("#materials", SelectionList)
        for m in self.flow.guide.materials:
            if self.flow.needed(m):
                materials.select(m.code)

    def action_none_present(self) -> None:
        self.query_one("#materials", SelectionList).deselect_all()

    def action_next(self) -> None:
        e = self.flow.guide.eligibility
        if e is not None and not e.ok:
            self.notify(t("tui.guide.blocked", reason=e.reason), severity="warning")
            return
        from station.tui.screens.details import DetailsScreen

        self.app.push_screen(DetailsScreen(self.flow))

    def action_back(self) -> None:
        self.app.pop_screen()
