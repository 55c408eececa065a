"""A report laid out as facts, tables and charts, before it becomes text, CSV, PDF or HTML.

Why an intermediate shape: the station report, the centre report and the centre's
web page must show the same figures in every format; each report builds one
`Document` and every renderer reads only that, so a format cannot drift.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any

Cell = str | int | float | None


@dataclass
class Table:
    key: str  # stable id, first column of the CSV
    title: str
    columns: list[str]  # translated labels
    rows: list[list[Cell]] = field(default_factory=list)
    empty: str = ""  # shown instead of an empty table
    alert_rows: list[int] = field(default_factory=list)  # row indices shown in red


@dataclass
class Chart:
    key: str
    title: str
    kind: str  # "bar" | "line" | "coverage"
    labels: list[str]
    values: list[float]
    # coverage charts: per label, (lo, hi) ranges received out of `total`
    ranges: list[list[tuple[int, int]]] = field(default_factory=list)
    totals: list[int] = field(default_factory=list)


@dataclass
class Document:
    title: str
    subtitle: str = ""
    facts: list[tuple[str, str]] = field(default_factory=list)
    # Tables that open the report, before its charts (the centre's stations and
    # exceptions: what a supervisor must see first)
    lead: list[Table] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def all_text(self) -> str:
        """Every string the document shows (the PDF picks its font face from it)."""
        parts: list[Any] = [self.title, self.subtitle, *self.notes]
        for label, value in self.facts:
            parts += [label, value]
        for t in [*self.lead, *self.tables]:
            parts += [t.title, t.empty, *t.columns, *(c for row in t.rows for c in row)]
        for c in self.charts:
            parts += [c.title, *c.labels, *(str(v) for v in c.values)]
        return "".join(str(p) for p in parts if p is not None) + "0123456789.-–—:%/ "


def width(text: str) -> int:
    """Columns a string takes in a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def cell_text(value: Cell) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def is_numeric_column(table: Table, i: int) -> bool:
    """A column of figures (numbers or blanks, at least one number): right-aligned."""
    values = [row[i] for row in table.rows]
    return (any(isinstance(v, int | float) for v in values)
            and all(isinstance(v, int | float) or v is None for v in values))


def seq_ranges(ranges: list[tuple[int, int]] | list[list[int]]) -> str:
    """Sequence ranges as people write them: `1–35, 37`, a single number alone."""
    return ", ".join(f"{a}–{b}" if a != b else str(a) for a, b in ranges)


def kind_text(kind: str) -> str:
    """A record kind in words (办件 / 上门服务); an unknown stored kind shows as stored."""
    from shared.i18n import t

    return t(f"reports.kind_{kind}") if kind in ("case", "visit") else kind


def period_text(date_from: date, date_to: date) -> str:
    """One day as itself, a longer period as its first and last day."""
    if date_from == date_to:
        return date_from.isoformat()
    return f"{date_from.isoformat()} – {date_to.isoformat()}"
