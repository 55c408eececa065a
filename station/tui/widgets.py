"""Small widgets shared by several screens: status bar, key bar, resident panel, name field."""

from __future__ import annotations

from typing import Any

from rich.segment import Segment
from rich.text import Text
from textual import events, on
from textual.content import Content
from textual.strip import Strip
from textual.widgets import Checkbox, Input, RadioButton, SelectionList
from textual.widgets.option_list import OptionDoesNotExist

from shared.i18n import t
from station.tui.keys import Key, display
from station.tui.plain import DataTable, Static, shown


class StatusBar(Static):
    """Reader, printer, network, sync backlog, staff and site — one line, always visible."""

    def on_mount(self) -> None:
        status = getattr(self.app, "status", None)
        if status is not None:
            self.show(status)
        else:
            self.update(t("tui.status.loading"))

    def show(self, s: Any) -> None:
        parts: list[tuple[str, str]] = []
        parts.append((s.reader_label, "warn" if s.training else ""))
        parts.append((s.printer_label, "" if s.printer in ("ok", "busy", "pdf_folder") else "bad"))
        parts.append((s.online_label, "" if s.online else "warn"))
        if getattr(s, "sync_error", ""):
            parts.append((s.sync_error, "bad"))
        # Cases, as the sync report counts them, and the records they and the rest make.
        parts.append((t("tui.status.pending", cases=getattr(s, "pending_cases", 0),
                        count=s.pending), ""))
        if s.awaiting_reprint:
            parts.append((t("tui.status.reprint", count=s.awaiting_reprint), "bad"))
        if s.staff is not None:
            parts.append((t("tui.status.staff", name=s.staff.name), ""))
        if s.site:
            parts.append((t("tui.status.site", site=s.site), ""))
        # Theme variables, not fixed colours: the sunlight theme must stay readable.
        pieces: list[str | tuple[str, str]] = []
        for i, (label, tone) in enumerate(parts):
            if i:
                pieces.append((" │ ", "dim"))
            pieces.append((shown(label),
                           {"warn": "bold $warning", "bad": "bold $error"}.get(tone, "")))
        self.set_class(s.training, "-training")
        self.update(Content.assemble(*pieces))


class KeyBar(Static):
    """The keys of the current screen, labelled in the current language.

    Why packed by hand: wrapped as plain text, a narrow terminal (80 columns) split a key
    cap from its label; here a line only breaks between whole entries.
    """

    def __init__(self, keys: list[Key], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.keys = keys
        self._packed_for = 0

    def on_mount(self) -> None:
        self.relabel()

    def on_resize(self) -> None:
        if self.content_size.width != self._packed_for:
            self.relabel()

    def entries(self) -> list[Text]:
        return [Text.assemble((f" {display(k)} ", "reverse bold"), " " + t(k.label))
                for k in [*self.keys, *getattr(self.app, "KEYS", [])] if k.bar]

    def relabel(self) -> None:
        width = self.content_size.width or max(20, self.app.size.width - 2)
        self._packed_for = self.content_size.width
        lines = [Text()]
        for entry in self.entries():
            line = lines[-1]
            if line and line.cell_len + 2 + entry.cell_len > width:
                line = Text()
                lines.append(line)
            elif line:
                line.append("  ")
            line.append_text(entry)
        self.update(Text("\n").join(lines))


class ResidentPanel(Static):
    """Who is being served: name, masked ID, age and hints. Personal data: hidden on lock."""

    def __init__(self, resident: Any, hints: list[str], today: Any = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.resident = resident
        self.hints = hints
        self.today = today

    def on_mount(self) -> None:
        self.relabel()

    def relabel(self) -> None:
        r = self.resident
        age = t("tui.resident.age", age=r.age(self.today))
        pieces: list[str | tuple[str, str]] = [(shown(r.name), "bold"), "  " + r.masked_id,
                                               "  " + age]
        if r.source == "card":
            kind = getattr(r, "card_kind", "")
            label = (t("idcard.from_card", kind=t(f"idcard.kind_{kind}"))
                     if kind in ("idcard", "sscard") else t("tui.resident.from_card"))
            pieces.append(("  " + label, "dim"))
        pieces += [("\n" + shown(hint), "bold $accent") for hint in self.hints]
        self.update(Content.assemble(*pieces))


class CasesTable(DataTable):
    """Today's cases from clear metadata only: no names or ID numbers, safe on the desk."""

    def __init__(self, *args: Any, names: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.names = names  # a masked name column (the cases screen, signed in only)
        self.people: dict[str, tuple[str, str]] = {}

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.zebra_stripes = True
        self.relabel()

    def relabel(self) -> None:
        self.clear(columns=True)
        keys = ("time", "case_no", "name", "matter", "status", "staff") if self.names else (
            "time", "case_no", "matter", "status", "staff")
        for key in keys:
            self.add_column(t(f"tui.cases.col.{key}"), key=key)
        self.load(getattr(self, "_cases", []))

    def load(self, cases: list[Any]) -> None:
        """Show ``cases``; the cursor stays on the case it was on, wherever that row went."""
        was = self.current_case() if getattr(self, "_cases", None) else None
        self._cases = cases
        self.clear()
        for c in cases:
            status = c.status_label
            if c.awaiting_reprint:
                status = t("tui.cases.status_reprint", status=status)
            row = [c.created_at.strftime("%H:%M"), c.case_no]
            if self.names:
                from station.people import mask_name

                row.append(mask_name(self.people.get(c.case_no, ("", ""))[0]))
            row += [f"{c.matter} {c.matter_name}", status, c.staff_name]
            # markup off: a name or matter is text, never Rich markup; control characters
            # written out (a masked name keeps its first character, which may be ESC)
            self.add_row(*(Text(shown(str(v))) for v in row), key=c.case_no)
        at = next((i for i, c in enumerate(cases) if c.case_no == was), None)
        if at is not None:
            self.move_cursor(row=at)

    def current_case(self) -> str | None:
        if not self._cases or self.cursor_row is None or self.cursor_row >= len(self._cases):
            return None
        return self._cases[self.cursor_row].case_no


class Styled:
    """Builds Content piece by piece; styles may name theme variables ($warning, $error),
    which resolve when drawn — so a theme switch recolours text that is already shown."""

    def __init__(self, text: str = "", style: str = "") -> None:
        self.parts: list[str | tuple[str, str]] = []
        if text:
            self.append(text, style)

    def append(self, text: str, style: str = "") -> Styled:
        text = shown(text)  # Content.assemble takes str literally; control chars made visible
        self.parts.append((text, style) if style else text)
        return self

    @property
    def content(self) -> Content:
        return Content.assemble(*self.parts)


class NameInput(Input):
    """A name field where ``U+20000`` becomes 𠀀: most input methods cannot type rare
    given names (CJK Ext B–G). A sequence turns into its character as soon as the next
    character is typed, or when the field is left or submitted; a bad code is left as
    typed, and the core's name check then says what is wrong."""

    def _expand(self, *, finished: bool) -> None:
        from station.codepoints import CodePointError, expand

        value = self.value
        try:
            new = expand(value, finished=finished)
        except CodePointError:
            return
        if new != value:
            at_end = self.cursor_position >= len(value)
            self.value = new
            if at_end:
                self.cursor_position = len(new)

    def _on_blur(self, event: events.Blur) -> None:
        self._expand(finished=True)
        super()._on_blur(event)

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        if event.input is self:
            self._expand(finished=False)

    async def action_submit(self) -> None:
        self._expand(finished=True)
        await super().action_submit()


# Ticked or not must read without colour (a washed-out screen in the sun, a monochrome
# terminal): Textual draws ▐X▌ either way and only colours the X.
def _mark(on: bool, left: str, mark: str, right: str) -> str:
    return f"{left}{mark if on else ' '}{right}"


class TickBox(Checkbox):
    """A checkbox drawn [x] / [ ]."""

    @property
    def _button(self) -> Content:
        return Content(_mark(self.value, "[", "x", "]"))


class RadioMark(RadioButton):
    """A radio button drawn (•) / ( )."""

    @property
    def _button(self) -> Content:
        return Content(_mark(self.value, "(", "•", ")"))


class TickList(SelectionList):  # type: ignore[type-arg]
    """A selection list drawn [x] / [ ] in front of each row."""

    def render_line(self, y: int) -> Strip:
        line = super().render_line(y)
        segments = list(line)
        _, scroll_y = self.scroll_offset
        try:
            option = self.get_option_at_index(scroll_y + y)
        except OptionDoesNotExist:  # past the last row: nothing to mark
            return line
        if len(segments) < 3:
            return line
        style = segments[1].style
        on = option.value in self._selected  # type: ignore[attr-defined]
        return Strip([Segment(_mark(on, "[", "x", "]"), style), *segments[3:]])
