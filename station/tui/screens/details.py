"""The matter's form fields, an optional agent (帮办代办) and how the result reaches the resident.

Enter moves to the next empty required field and, when none is left, goes on: for a
matter with no required fields one Enter accepts the defaults.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widget import Widget
from textual.widgets import Checkbox, Input, RadioButton, RadioSet

from shared.errors import StationError
from shared.i18n import t
from shared.text import visible
from station.tui.base import StationScreen
from station.tui.flow import ServeFlow
from station.tui.keys import Key
from station.tui.plain import Label, Static, plain
from station.tui.widgets import KeyBar, NameInput, RadioMark, ResidentPanel, TickBox


class ChoiceSet(RadioSet):
    """A required choice that starts empty: Enter picks the highlighted option only once
    staff moved the highlight (↑↓), so passing through never answers for the resident."""

    moved = False
    _mounted = False

    def action_next_button(self) -> None:
        self.moved = self._mounted  # the first call is Textual's own, on mount
        self._mounted = True
        super().action_next_button()

    def action_previous_button(self) -> None:
        self.moved = True
        super().action_previous_button()

    @property
    def highlighted(self) -> int | None:
        """The option the highlight is on (None before the first ↑↓)."""
        return self._selected


# Catalogue field types that Textual's Input can restrict as they are typed.
INPUT_TYPES = {"integer": "integer", "number": "number", "money": "number"}


class DetailsScreen(StationScreen):
    KEYS: ClassVar[list[Key]] = [
        Key("enter", "enter", "tui.key.next", shown="Enter", priority=True),
        # The app's actions: the screen has none of its own to move focus.
        Key("tab", "app.focus_next", "tui.key.next_field", shown="Tab", bar=False),
        Key("shift+tab", "app.focus_previous", "tui.key.previous_field", shown="Shift+Tab",
            bar=False),
        Key("escape", "back", "tui.key.back", shown="Esc"),
    ]

    def __init__(self, flow: ServeFlow) -> None:
        super().__init__()
        self.flow = flow
        self.fields = list(flow.guide.fields)
        self.errors: dict[int, str | None] = {}

    def compose(self) -> ComposeResult:
        guide = self.flow.guide
        yield Static(t("tui.details.title", code=guide.matter.code, name=guide.matter.name),
                     classes="title")
        yield ResidentPanel(self.flow.resident, self.flow.hints,
                            today=self.station.today(), id="resident")
        with VerticalScroll(id="form"):
            for i, f in enumerate(self.fields):
                yield from self._field(i, f)
            yield Static(t("tui.details.delivery"), classes="section")
            deliveries = list(guide.deliveries)
            chosen = self.flow.delivery or (deliveries[0].value if deliveries else None)
            with RadioSet(id="delivery"):
                for d in deliveries:
                    yield RadioMark(plain(d.label), value=d.value == chosen, name=d.value)
            yield TickBox(t("tui.details.agent"), self.flow.agent is not None, id="agent")
            with Horizontal(id="agent_box"):
                yield Input(id="agent_id", max_length=18,
                            placeholder=t("tui.details.agent_id"))
                yield Input(id="agent_relation", placeholder=t("tui.details.agent_relation"))
                yield NameInput(id="agent_name", placeholder=t("tui.details.agent_name"))
            yield Static("", id="agent_error", classes="error")
            yield Static("", id="form_error", classes="error")
        yield KeyBar(self.KEYS)

    def _field(self, i: int, f: Any) -> ComposeResult:
        label = f.label + (" *" if f.required else "")
        # Only the catalogue's declared normal answer is preselected; otherwise staff choose.
        value = self.flow.answers.get(f.key, getattr(f, "default", ""))
        if f.kind == "choice":
            yield Label(label)
            with ChoiceSet(id=f"field-{i}", classes="field"):
                for c in f.choices:
                    yield RadioMark(plain(c.label), value=c.value == value, name=c.value)
        elif f.kind == "bool":
            yield TickBox(plain(label), value == "true", id=f"field-{i}", classes="field")
        else:
            yield Label(label)
            yield Input(visible(value), id=f"field-{i}", classes="field", placeholder=f.hint,
                        max_length=f.max_length or 0, valid_empty=True,
                        type=INPUT_TYPES.get(f.kind, "text"))  # type: ignore[arg-type]
        yield Static("", id=f"error-{i}", classes="error")

    def on_mount(self) -> None:
        self._show_agent()
        # Nothing required left: the first empty text field (the contact phone, offered for
        # every matter) keeps the form shown from its top, and Enter there still goes on.
        first = self._first_empty_required() or next(
            (w for w in self.query(".field").results(Input) if not w.value), None)
        if first is not None:
            first.focus()
        else:
            self.query_one("#delivery", RadioSet).focus()

    # ---- values and checks ------------------------------------------------------------

    def _value(self, i: int) -> str:
        widget = self.query_one(f"#field-{i}")
        if isinstance(widget, Input):
            return widget.value.strip()
        if isinstance(widget, Checkbox):
            return "true" if widget.value else "false"
        if isinstance(widget, RadioSet):
            # Read the buttons: the set learns of a press only through a message.
            return next((b.name or "" for b in widget.query(RadioButton) if b.value), "")
        return ""

    def _check(self, i: int) -> bool:
        f = self.fields[i]
        value = self._value(i)
        error = None
        if not value and f.required:
            error = t("tui.details.required", label=f.label)
        elif value:
            error = self.station.service.validate_field(self.flow.matter, f.key, value)
        self.query_one(f"#error-{i}", Static).update(error or "")
        self.errors[i] = error
        return error is None

    def _first_empty_required(self, after: Widget | None = None) -> Widget | None:
        started = after is None
        for i, f in enumerate(self.fields):
            widget = self.query_one(f"#field-{i}")
            if widget is after:
                started = True
                continue
            if started and f.required and not self._value(i):
                return widget
        return None

    def on_input_changed(self, event: Input.Changed) -> None:
        wid = event.input.id or ""
        if wid.startswith("field-"):
            i = int(wid.removeprefix("field-"))
            if event.value:
                self._check(i)
            else:
                self.query_one(f"#error-{i}", Static).update("")

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        if event.checkbox.id == "agent":
            self._show_agent()
            if event.value:
                self.query_one("#agent_id", Input).focus()

    def _show_agent(self) -> None:
        self.query_one("#agent_box").display = self.query_one("#agent", Checkbox).value

    # ---- moving on ------------------------------------------------------------------

    def action_enter(self) -> None:
        focused = self.focused
        if isinstance(focused, Input) and (focused.id or "").startswith("field-"):
            i = int((focused.id or "").removeprefix("field-"))
            if not self._check(i):
                return
            following = self._first_empty_required(after=focused)
            if following is not None:
                self.set_focus(following)
                return
        elif isinstance(focused, ChoiceSet) and (focused.id or "").startswith("field-"):
            # Enter picks the option staff moved to; on an untouched choice it says what
            # is missing instead of answering for the resident.
            i = int((focused.id or "").removeprefix("field-"))
            if not self._value(i):
                if not focused.moved or focused.highlighted is None:
                    self._check(i)
                    return
                focused.action_toggle_button()
                self._check(i)
            following = self._first_empty_required(after=focused)
            if following is not None:
                self.set_focus(following)
                return
        elif isinstance(focused, Input) and focused.id in ("agent_id", "agent_relation"):
            nxt = {"agent_id": "#agent_relation", "agent_relation": "#agent_name"}
            target = self.query_one(nxt[focused.id], Input)
            if not target.value:
                self.set_focus(target)
                return
        self.action_next()

    def action_next(self) -> None:
        ok = all([self._check(i) for i in range(len(self.fields))])
        form_error = self.query_one("#form_error", Static)
        if not ok:
            # Named at the bottom too: the field itself may be scrolled out of sight.
            unanswered = [f.label for i, f in enumerate(self.fields)
                          if f.required and not self._value(i)]
            form_error.update(t("tui.details.unanswered", labels="、".join(unanswered))
                              if unanswered else "")
            self._focus_first_error()
            return
        agent = None
        agent_error = self.query_one("#agent_error", Static)
        if self.query_one("#agent", Checkbox).value:
            try:
                agent = self.station.service.agent(
                    self.query_one("#agent_id", Input).value,
                    self.query_one("#agent_relation", Input).value,
                    self.query_one("#agent_name", Input).value,
                )
            except StationError as err:
                agent_error.update(err.message())
                self.query_one("#agent_id", Input).focus()
                return
        agent_error.update("")
        self.flow.answers = {f.key: self._value(i) for i, f in enumerate(self.fields)
                             if self._value(i)}
        self.flow.agent = agent
        self.flow.delivery = next((b.name for b in self.query_one("#delivery").query(RadioButton)
                                   if b.value), None)
        # Rules across fields (e.g. a bank account only when paid to a bank) come from the core.
        problems = self.station.service.validate(self.flow.draft())
        if problems:
            # A field needed only for this delivery (phone, address when posted) is told
            # under that field, and the cursor goes there.
            index = {f.key: i for i, f in enumerate(self.fields)}
            general = []
            for p in problems:
                i = index.get(str(p.params.get("field", "")))
                if p.key == "intake.field_problem" and i is not None:
                    self.errors[i] = p.message()
                    self.query_one(f"#error-{i}", Static).update(p.message())
                else:
                    general.append(p.message())
            form_error.update("\n".join(general))
            if any(self.errors.values()):
                self._focus_first_error()
            else:
                form_error.scroll_visible()
            return
        form_error.update("")
        from station.tui.screens.confirm import ConfirmScreen

        self.app.push_screen(ConfirmScreen(self.flow))

    def _focus_first_error(self) -> None:
        for i in range(len(self.fields)):
            if self.errors.get(i):
                self.query_one(f"#field-{i}").focus()
                return

    def action_back(self) -> None:
        self.app.pop_screen()
