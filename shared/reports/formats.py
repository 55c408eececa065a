"""Text renderings of a report: an aligned table for the terminal, and CSV.

CSV layout (read with the standard `csv` module): every row starts with the id of
the table it belongs to; the first row of each table holds its column labels.
The table id `facts` holds the report's single facts (label, value).
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from shared.reports.charts import text_chart
from shared.reports.document import Document, Table, cell_text, width

FORMATS = ("table", "csv", "json", "pdf")


def _pad(text: str, cols: int, right: bool) -> str:
    gap = " " * max(0, cols - width(text))
    return gap + text if right else text + gap


def text_table(table: Table) -> str:
    lines = [table.title]
    if not table.rows:
        return "\n".join([*lines, "  " + table.empty, ""])
    cells = [[cell_text(c) for c in row] for row in table.rows]
    cols = [max(width(x) for x in col) for col in zip(table.columns, *cells, strict=True)]
    numeric = [all(isinstance(row[i], int | float) or row[i] is None for row in table.rows)
               for i in range(len(table.columns))]
    lines.append("  ".join(_pad(h, w, n) for h, w, n in zip(table.columns, cols, numeric,
                                                               strict=True)))
    lines.append("  ".join("─" * w for w in cols))
    for row in cells:
        lines.append("  ".join(_pad(c, w, n) for c, w, n in zip(row, cols, numeric,
                                                                 strict=True)))
    return "\n".join([*lines, ""])


def render_table(doc: Document, *, charts: bool = True) -> str:
    out = [doc.title]
    if doc.subtitle:
        out.append(doc.subtitle)
    out.append("")
    if doc.facts:
        cols = max(width(label) for label, _ in doc.facts)
        out += [f"{_pad(label, cols, False)}  {value}" for label, value in doc.facts]
        out.append("")
    out += [text_table(t) for t in [*doc.lead, *doc.tables]]
    if charts:
        out += [text_chart(c) for c in doc.charts]
    out += doc.notes
    return "\n".join(out).rstrip() + "\n"


def render_csv(doc: Document) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    if doc.facts:
        for label, value in doc.facts:
            w.writerow(["facts", label, value])
    for t in [*doc.lead, *doc.tables]:
        w.writerow([t.key, *t.columns])
        for row in t.rows:
            w.writerow([t.key, *("" if c is None else c for c in row)])
    return buf.getvalue()


def render_json(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=False) + "\n"
