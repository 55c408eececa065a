"""The printed report: A4 landscape, CJK font embedded, charts drawn with fpdf2 shapes.

Why shapes and not images: bars, a trend line and coverage strips are a few
rectangles and a polyline; drawing them keeps the PDF small, sharp when printed
and free of a plotting library. The same `Document` feeds every format.
"""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace

from shared.reports.document import Chart, Document, Table, cell_text, is_numeric_column
from station.documents.fonts import font_book

_BLUE = (43, 108, 176)
_ORANGE = (192, 86, 33)
_GREEN = (56, 161, 105)
_RED = (229, 62, 62)


def render_pdf(doc: Document, path: Path | None = None) -> bytes:
    pdf = FPDF(orientation="L", format="A4", unit="mm")
    pdf.set_auto_page_break(True, margin=12)
    pdf.set_margins(12, 12, 12)
    family = font_book().install(pdf, doc.all_text())
    pdf.set_title(doc.title)
    pdf.add_page()
    pdf.set_font(family, size=16)
    pdf.cell(0, 9, doc.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, size=9)
    if doc.subtitle:
        pdf.cell(0, 6, doc.subtitle, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font(family, size=10)
    for label, value in doc.facts:
        pdf.cell(55, 6, label)
        pdf.multi_cell(0, 6, value, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    for table in doc.lead:
        _table(pdf, family, table)
    for chart in doc.charts:
        _chart(pdf, family, chart)
    for table in doc.tables:
        _table(pdf, family, table)
    pdf.set_font(family, size=8)
    for note in doc.notes:
        pdf.multi_cell(0, 5, note, new_x="LMARGIN", new_y="NEXT")
    data = bytes(pdf.output())
    if path is not None:
        from station.private_files import write_private

        write_private(path, data)  # owner only, like every paper the station writes
    return data


def _ensure(pdf: FPDF, height: float) -> None:
    if pdf.get_y() + height > pdf.h - pdf.b_margin:
        pdf.add_page()


def _table(pdf: FPDF, family: str, table: Table) -> None:
    _ensure(pdf, 20)
    pdf.set_font(family, size=11)
    pdf.cell(0, 7, table.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, size=8)
    if not table.rows:
        pdf.cell(0, 6, table.empty, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
        return
    widths = _widths(pdf, table, pdf.w - pdf.l_margin - pdf.r_margin)
    with pdf.table(col_widths=widths, line_height=5, text_align="LEFT",
                   first_row_as_headings=True,
                   # the embedded CJK face has no bold: headings are shaded instead
                   headings_style=FontFace(emphasis="", fill_color=(237, 242, 247))) as tbl:
        header = tbl.row()
        numeric = [is_numeric_column(table, i) for i in range(len(table.columns))]
        for label, num in zip(table.columns, numeric, strict=True):
            header.cell(label, align="RIGHT" if num else None)
        alert = FontFace(color=_RED)  # silent stations (the row also says so in words)
        for i, row in enumerate(table.rows):
            r = tbl.row(style=alert if i in table.alert_rows else None)
            for value, num in zip(row, numeric, strict=True):
                # figures line up by their last digit, as on any printed ledger
                r.cell(cell_text(value), align="RIGHT" if num else None)
    pdf.ln(3)


def _widths(pdf: FPDF, table: Table, usable: float) -> list[float]:
    """Columns as wide as their longest value (record ids stay on one line); headers wrap."""
    need = []
    for i, label in enumerate(table.columns):
        cells = max((pdf.get_string_width(cell_text(r[i])) for r in table.rows), default=0)
        need.append(max(cells, min(pdf.get_string_width(label), 18.0)) + 3)
    total = sum(need)
    if total <= usable:
        extra = (usable - total) / len(need)
        return [w + extra for w in need]
    return [w * usable / total for w in need]


_ROW = 5.0  # one bar or coverage strip, mm
_TITLE = 7.0


def _chart(pdf: FPDF, family: str, chart: Chart) -> None:
    """A chart under its title; bars and strips continue on the next page row by row.

    Why per row: a district has 50–200 stations, far more strips than a page holds;
    keeping the title with at least its first rows, and breaking between rows, means no
    block is cut and no page is left nearly blank.
    """
    width = pdf.w - pdf.l_margin - pdf.r_margin
    if chart.kind == "line":
        height = 45.0
        _ensure(pdf, height + _TITLE + 2)
        _title(pdf, family, chart.title)
        y0 = pdf.get_y()
        pdf.set_font(family, size=7)
        _line(pdf, chart, pdf.l_margin, y0, width, height)
        _reset(pdf)
        pdf.set_xy(pdf.l_margin, y0 + height + 2)
        return
    _ensure(pdf, _TITLE + _ROW * min(3, max(1, len(chart.labels))) + 2)
    _title(pdf, family, chart.title)
    pdf.set_font(family, size=7)
    if chart.kind == "coverage":
        _coverage(pdf, chart, pdf.l_margin, width)
    else:
        _bars(pdf, chart, pdf.l_margin, width)
    _reset(pdf)
    pdf.set_xy(pdf.l_margin, pdf.get_y() + 2)


def _title(pdf: FPDF, family: str, title: str) -> None:
    pdf.set_font(family, size=11)
    pdf.cell(0, _TITLE, title, new_x="LMARGIN", new_y="NEXT")


def _reset(pdf: FPDF) -> None:
    # fpdf2's table fills its cells with the current colour: leave none behind
    pdf.set_fill_color(255, 255, 255)
    pdf.set_draw_color(0, 0, 0)


def _next_row(pdf: FPDF) -> float:
    """The y of the next chart row, on a new page when this one is full."""
    if pdf.get_y() + _ROW > pdf.h - pdf.b_margin:
        pdf.add_page()
    return pdf.get_y()


def _bars(pdf: FPDF, chart: Chart, x0: float, width: float) -> None:
    label_w, row = 50.0, _ROW
    top = max(chart.values, default=0) or 1
    span = width - label_w - 20
    for label, value in zip(chart.labels, chart.values, strict=True):
        y = _next_row(pdf)
        pdf.set_xy(x0, y)
        pdf.cell(label_w - 2, row, label[:30], align="R")
        w = span * value / top
        if w > 0:
            pdf.set_fill_color(*_BLUE)
            pdf.rect(x0 + label_w, y + 0.8, w, row - 1.6, style="F")
        pdf.set_xy(x0 + label_w + w + 1, y)
        pdf.cell(18, row, f"{value:g}")
        pdf.set_xy(x0, y + row)


def _line(pdf: FPDF, chart: Chart, x0: float, y0: float, width: float, height: float) -> None:
    n = len(chart.values)
    top = max(chart.values, default=0) or 1
    left, bottom = 12.0, y0 + height - 6
    span_x, span_y = width - left - 4, height - 10
    pdf.set_draw_color(136, 136, 136)
    pdf.set_line_width(0.2)
    pdf.line(x0 + left, bottom, x0 + left + span_x, bottom)
    pdf.line(x0 + left, bottom, x0 + left, bottom - span_y)
    pts = [(x0 + left + span_x * i / max(1, n - 1), bottom - span_y * v / top)
           for i, v in enumerate(chart.values)]
    pdf.set_draw_color(*_ORANGE)
    pdf.set_line_width(0.6)
    if len(pts) > 1:
        pdf.polyline(pts)
    pdf.set_fill_color(*_ORANGE)
    for x, y in pts:
        pdf.rect(x - 0.7, y - 0.7, 1.4, 1.4, style="F")
    pdf.set_xy(x0, bottom - span_y - 1)
    pdf.cell(left - 1, 4, f"{top:g}", align="R")
    if chart.labels:
        pdf.set_xy(x0 + left, bottom + 0.5)
        pdf.cell(30, 4, chart.labels[0])
        pdf.set_xy(x0 + left + span_x - 30, bottom + 0.5)
        pdf.cell(30, 4, chart.labels[-1], align="R")
    pdf.set_line_width(0.2)
    pdf.set_draw_color(0, 0, 0)


def _coverage(pdf: FPDF, chart: Chart, x0: float, width: float) -> None:
    label_w, row = 50.0, _ROW
    span = width - label_w - 20
    for label, ranges, total in zip(chart.labels, chart.ranges, chart.totals, strict=True):
        y = _next_row(pdf)
        pdf.set_xy(x0, y)
        pdf.cell(label_w - 2, row, label[:30], align="R")
        pdf.set_fill_color(*_RED)
        pdf.rect(x0 + label_w, y + 0.8, span, row - 1.6, style="F")
        pdf.set_fill_color(*_GREEN)
        for lo, hi in ranges:
            x = x0 + label_w + span * (lo - 1) / max(1, total)
            pdf.rect(x, y + 0.8, span * (hi - lo + 1) / max(1, total), row - 1.6, style="F")
        pdf.set_xy(x0 + label_w + span + 1, y)
        pdf.cell(18, row, str(total))
        pdf.set_xy(x0, y + row)
