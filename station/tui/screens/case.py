"""One case: everything recorded, and reprint / amend / withdraw (each audited by the queue)."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content

from shared.i18n import t
from station.catalogue.calendar import due_estimated
from station.tui.base import StationScreen
from station.tui.keys import Key
from station.tui.plain import Static
from station.tui.widgets import KeyBar, Styled


class CaseScreen(StationScreen):
    KEYS: ClassVar[list[Key]] = [
        Key("p", "reprint", "tui.key.reprint"),
        Key("m", "amend", "tui.key.amend"),
        Key("w", "withdraw", "tui.key.withdraw"),
        Key("escape", "back", "tui.key.back", shown="Esc"),
    ]

    def __init__(self, case_no: str) -> None:
        super().__init__()
        self.case_no = case_no
        self.case: Any = None
        self.history: list[Any] = []
        self.guide: Any = None

    def compose(self) -> ComposeResult:
        yield Static(t("tui.case.title", case_no=self.case_no), classes="title")
        with VerticalScroll(id="body"):
            yield Static("", id="detail")
        yield KeyBar(self.KEYS)

    def on_mount(self) -> None:
        self.load()
        self.query_one("#body").focus()

    def on_screen_resume(self) -> None:
        self.load()

    def load(self) -> None:
        service = self.station.service
        self.case = service.open_case(self.case_no)
        self.history = service.case_history(self.case_no)
        self.guide = service.matter_guide(self.case.matter)
        self.centre = service.centre_status(self.case)  # the centre's answer, last pulled
        self.query_one("#detail", Static).update(self._detail())

    def _detail(self) -> Content:
        c, g = self.case, self.guide
        text = Styled()
        status = t(f"tui.cases.status.{c.status}")
        text.append(t("tui.case.matter", code=c.matter, name=g.matter.name) + "\n", style="bold")
        text.append(t("tui.case.status", status=status, version=c.version) + "\n")
        if c.reason:
            text.append(t("tui.case.reason", reason=c.reason) + "\n")
        centre = getattr(self, "centre", None)
        if centre is not None:
            style = "bold $warning" if centre.status == "returned" else "bold"
            text.append(t("tui.case.centre", status=centre.label) + "\n", style=style)
            if centre.note:
                text.append(t("tui.case.centre_note", note=centre.note) + "\n", style=style)
            if centre.needed:
                text.append(t("tui.case.centre_needed", materials="、".join(centre.needed))
                            + "\n", style=style)
        text.append(t("tui.case.resident", name=c.resident.name, masked=c.resident.masked_id)
                    + "\n")
        names = {m.code: m.name for m in g.materials}
        have = "、".join(names.get(code, code) for code in sorted(c.materials)) or "—"
        text.append(t("tui.case.materials", materials=have) + "\n")
        if c.missing:
            missing = "、".join(names.get(code, code) for code in c.missing)
            text.append(t("tui.case.missing", materials=missing) + "\n", style="bold $warning")
        from station.tui.matter_text import answer_text

        fields = {f.key: f for f in g.fields}
        for key, value in c.answers.items():
            f = fields.get(key)
            text.append(t("tui.confirm.answer", label=f.label if f else key,
                          value=answer_text(f, value) if f else value) + "\n")
        if c.agent is not None:
            text.append(t("tui.confirm.agent", relation=c.agent.relation,
                          masked=c.agent.id.masked) + "\n")
        delivery = next((d.label for d in g.deliveries if d.value == c.delivery), c.delivery)
        text.append(t("tui.confirm.delivery", delivery=delivery) + "\n")
        if c.due_date is not None:
            due = c.due_date.isoformat()
            if due_estimated(c.outing_date, c.due_date):
                due = t("calendar.due_estimated", due=due)
            text.append(t("tui.case.due", due=due) + "\n")
        text.append(t("tui.case.where", site=c.site, time=c.created_at.strftime("%H:%M")) + "\n")
        if c.rating:
            text.append(t("tui.case.rating", score=c.rating) + "\n")
        if self.history:
            text.append(t("tui.case.versions") + "\n", style="bold")
            before = None
            for v in self.history:
                text.append(f"  {self._version_line(before, v)}\n")
                before = v
        return text.content

    @staticmethod
    def _version_line(before: Any, v: Any) -> str:
        """Why each version exists: a rating is said as 评价, never a bare version number."""
        when = v.updated_at.strftime("%H:%M")
        if before is None:
            what = t("tui.case.version_first", status=t(f"tui.cases.status.{v.status}"))
        elif v.rating != before.rating and not v.reason:
            what = t("tui.case.version_rating", score=v.rating)
        elif v.status == "withdrawn" and before.status != "withdrawn":
            what = t("tui.case.version_withdrawn", reason=v.reason)
        else:
            what = t("tui.case.version_amended", reason=v.reason or "—")
        return t("tui.case.version", version=v.version, time=when, what=what)

    def action_reprint(self) -> None:
        service, case_no = self.station.service, self.case_no
        self.notify(t("tui.case.printing"))
        self.station.background(lambda: service.reprint(case_no), self._printed)

    def _printed(self, outcome: Any) -> None:
        self.notify(outcome.message, severity="information" if outcome.printed else "warning")
        self.station.refresh_status()

    def action_amend(self) -> None:
        if self.case.status == "withdrawn":
            self.notify(t("tui.case.is_withdrawn"), severity="warning")
            return
        from station.tui.screens.amend import AmendScreen

        self.app.push_screen(AmendScreen(self.case, self.guide))

    def action_withdraw(self) -> None:
        if self.case.status == "withdrawn":
            self.notify(t("tui.case.is_withdrawn"), severity="warning")
            return
        from station.tui.screens.reason import ReasonModal

        self.app.push_screen(ReasonModal(t("tui.case.withdraw_title")), self._withdraw)

    def _withdraw(self, reason: str | None) -> None:
        if not reason:
            return
        self.station.service.withdraw(self.case_no, reason=reason)
        self.notify(t("tui.case.withdrawn"))
        self.load()

    def action_back(self) -> None:
        self.app.pop_screen()
