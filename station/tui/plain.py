"""Widgets that show text as text: never as Textual markup, never as terminal control.

Why: in Textual 8 a `str` given to Static, Label, OptionList, SelectionList or a
DataTable cell is parsed as content markup (textual `widgets/_static.py`:
"content: A Content object, Rich renderable, or string containing console markup";
`widgets/_data_table.py` `default_cell_formatter` runs `Text.from_markup` on every
str cell; https://textual.textualize.io/api/markup/). A resident called
`[@click=app.quit]x[/]` became a link that quit the app, and `[/]x` raised
MarkupError on every redraw (issue 16). Our own messages hold no markup, so every
string the screens show goes through `plain()`: a literal `Content` (no markup
parsing), with control and direction characters written out visibly
(shared/text.py). Screens import Static, Label and DataTable from here; styled
text is built with `Content.assemble`/`Styled`, whose str pieces are literal too.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import widgets
from textual.content import Content

from shared.text import visible


def shown(text: object) -> str:
    """The text with control and direction characters made visible; newlines kept."""
    return visible(text, multiline=True)


def plain(text: Any) -> Any:
    """A literal Content for a str; Content, Rich Text and other renderables unchanged."""
    if isinstance(text, str):
        return Content(shown(text))
    return text


class Static(widgets.Static):
    def __init__(self, content: Any = "", **kwargs: Any) -> None:
        kwargs["markup"] = False
        super().__init__(plain(content), **kwargs)

    def update(self, content: Any = "", *, layout: bool = True) -> None:
        super().update(plain(content), layout=layout)


class Label(widgets.Label):
    def __init__(self, content: Any = "", **kwargs: Any) -> None:
        kwargs["markup"] = False
        super().__init__(plain(content), **kwargs)

    def update(self, content: Any = "", *, layout: bool = True) -> None:
        super().update(plain(content), layout=layout)


def cell(value: Any) -> Any:
    """A DataTable cell: a str becomes literal Text (the table would parse it as markup)."""
    if isinstance(value, str):
        return Text(shown(value), end="")
    return value


class DataTable(widgets.DataTable):
    def add_row(self, *cells: Any, **kwargs: Any) -> Any:
        return super().add_row(*(cell(c) for c in cells), **kwargs)

    def add_column(self, label: Any, **kwargs: Any) -> Any:
        return super().add_column(cell(label), **kwargs)

    def update_cell(self, row_key: Any, column_key: Any, value: Any, **kwargs: Any) -> None:
        super().update_cell(row_key, column_key, cell(value), **kwargs)

    def update_cell_at(self, coordinate: Any, value: Any, **kwargs: Any) -> None:
        super().update_cell_at(coordinate, cell(value), **kwargs)
