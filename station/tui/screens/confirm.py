"""Confirm, record, print — then the resident rates the service (好差评) with one key."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content

from shared.i18n import t
from station.tui.base import StationScreen
from station.tui.flow import ServeFlow
from station.tui.intents import ServeDone
from station.tui.keys import Key
from station.tui.matter_text import answer_text, limit_text
from station.tui.plain import Static
from station.tui.widgets import KeyBar, ResidentPanel, Styled


class ConfirmScreen(StationScreen):
    KEYS: ClassVar[list[Key]] = [
        Key("enter", "record", "tui.key.record", shown="Enter", priority=True),
        Key("1", "rate(1)", "tui.key.rate", shown="1–5"),
        Key("2", "rate(2)", "tui.key.rate", bar=False),
        Key("3", "rate(3)", "tui.key.rate", bar=False),
        Key("4", "rate(4)", "tui.key.rate", bar=False),
        Key("5", "rate(5)", "tui.key.rate", bar=False),
        Key("s", "rate(0)", "tui.key.skip_rating"),
        Key("escape", "back", "tui.key.back", shown="Esc"),
    ]

    def __init__(self, flow: ServeFlow) -> None:
        super().__init__()
        self.flow = flow
        self.state = "review"  # review → checking → recording → recorded → done

    def compose(self) -> ComposeResult:
        guide = self.flow.guide
        yield Static(t("tui.confirm.title", code=guide.matter.code, name=guide.matter.name),
                     classes="title")
        yield ResidentPanel(self.flow.resident, self.flow.hints,
                            today=self.station.today(), id="resident")
        with VerticalScroll(id="summary_box"):
            yield Static(self._summary(), id="summary")
        yield Static(self._prompt(), id="outcome")
        yield KeyBar(self.KEYS)

    def _summary(self) -> Content:
        flow, guide = self.flow, self.flow.guide
        text = Styled()
        text.append(t("tui.confirm.materials") + "\n", style="bold")
        for m in guide.materials:
            have, needed = m.code in flow.ticked, flow.needed(m)
            if not have and not needed and m.condition is not None:
                continue  # not needed for these answers: not listed as if it were
            mark = "✓" if have else ("✗" if needed else "·")
            text.append(f"  {mark} {m.name}  ", style="" if have or not needed else "$error")
            text.append(m.detail + "\n", style="dim")
        for f in guide.fields:
            if f.key in flow.answers:
                text.append(t("tui.confirm.answer", label=f.label,
                              value=answer_text(f, flow.answers[f.key])) + "\n")
        if flow.agent is not None:
            text.append(t("tui.confirm.agent", relation=flow.agent.relation,
                          masked=flow.agent.id.masked) + "\n")
        delivery = next((d.label for d in guide.deliveries if d.value == flow.delivery), "")
        text.append(t("tui.confirm.delivery", delivery=delivery) + "\n")
        text.append(t("tui.guide.limit", limit=limit_text(guide)))
        return text.content

    def _missing(self) -> list[Any]:
        return self.flow.missing()

    def _prompt(self) -> Content:
        if self._missing():
            return Styled(t("tui.confirm.will_notice", count=len(self._missing())),
                          "bold $warning").content
        return Styled(t("tui.confirm.will_receipt"), "bold").content

    def on_mount(self) -> None:
        self.query_one("#summary_box").focus()

    # ---- record ----------------------------------------------------------------------

    def action_record(self) -> None:
        if self.state != "review":
            return
        # First the duplicate check (issue 17): the day's cases are read once, in a thread.
        self.state = "checking"
        self.query_one("#outcome", Static).update(t("tui.duplicate.checking"))
        service, draft = self.station.service, self.flow.draft()
        self.station.background(lambda: service.duplicate_warnings(draft),
                                lambda warnings: self._checked(draft, warnings), self._failed)

    def _checked(self, draft: Any, warnings: list[str]) -> None:
        if not warnings:
            self._record(draft)
            return
        from station.tui.screens.duplicate import DuplicateModal

        def answered(reason: str | None) -> None:
            if reason is None:  # Esc: back to the review, nothing recorded
                self.state = "review"
                self.query_one("#outcome", Static).update(self._prompt())
                return
            self._record(replace(draft, duplicate_reason=reason))

        self.app.push_screen(DuplicateModal(warnings), answered)

    def _record(self, draft: Any) -> None:
        self.state = "recording"
        self.query_one("#outcome", Static).update(t("tui.confirm.recording"))
        service = self.station.service
        self.station.background(lambda: service.record_case(draft), self._recorded,
                                self._failed)

    def _failed(self, err: Exception) -> None:
        self.state = "review"
        self.query_one("#outcome", Static).update(self._prompt())
        self.station.show_error(err)

    def _recorded(self, outcome: Any) -> None:
        self.flow.outcome = outcome
        self.state = "recorded"
        printed = outcome.print
        text = Styled()
        text.append(t("tui.confirm.recorded", case_no=outcome.case.case_no) + "\n",
                    style="bold $success")
        text.append(printed.message + "\n", style="" if printed.printed else "bold $error")
        if not printed.printed:
            self.notify(printed.message, severity="warning", timeout=10)
        text.append(t("tui.confirm.rate_prompt"), style="bold")
        self.query_one("#outcome", Static).update(text.content)
        self.station.refresh_status()

    # ---- rating ---------------------------------------------------------------------

    def action_rate(self, score: int) -> None:
        if self.state != "recorded":
            return
        self.state = "done"
        service, case_no = self.station.service, self.flow.outcome.case.case_no
        rating = score or None
        self.station.background(lambda: service.rate(case_no, rating), None)
        if rating:
            self.notify(t("tui.confirm.thanks", score=rating))
        self._to_desk()

    def _to_desk(self) -> None:
        # Back to the desk — or to visit mode, when the case was served at a door.
        self.post_message(ServeDone())

    def action_back(self) -> None:
        if self.state == "review":
            self.app.pop_screen()
        elif self.state == "recorded":
            self.action_rate(0)
