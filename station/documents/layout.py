"""A tiny block layout shared by every document, rendered for A4 or an 80 mm roll.

Why blocks: each document is described once (title, fields, lists, a QR) and the
renderer lays it out for either paper; knowing all the text before drawing also
lets the font book pick the fast common face or the full one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from station.documents.fonts import FontBook, font_book
from station.hw.ports import Media

_ID_LIKE = re.compile(r"(?<!\d)\d{17}[\dXx](?![\dXx])")


def scrub(text: str) -> str:
    """Last line of defence: no whole ID number reaches paper, whatever the caller sent;
    and no variation selector, which no face here draws (it would print as a box)."""
    from station.documents.coverage import strip_ignorable
    from station.people import mask_id

    return _ID_LIKE.sub(lambda m: mask_id(m.group(0)), strip_ignorable(text))


@dataclass(frozen=True)
class Title:
    text: str
    subtitle: str = ""


@dataclass(frozen=True)
class Field:
    label: str
    value: str
    strong: bool = False  # a value the resident must not miss (time limit, date)


@dataclass(frozen=True)
class Items:
    heading: str
    items: tuple[str, ...]
    empty: str = ""  # shown when there are no items


@dataclass(frozen=True)
class Para:
    text: str
    small: bool = False


@dataclass(frozen=True)
class QR:
    data: str
    caption: str = ""


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...]  # relative column widths (A4); the roll stacks rows


@dataclass(frozen=True)
class Rule:
    pass


Block = Title | Field | Items | Para | QR | Table | Rule


@dataclass(frozen=True)
class Page:
    width: float
    margin: float
    base: float  # body font size, pt
    line: float  # line height factor, mm per pt

    @property
    def inner(self) -> float:
        return self.width - 2 * self.margin


A4_PAGE = Page(width=210, margin=18, base=11, line=0.5)
ROLL_PAGE = Page(width=80, margin=4, base=9, line=0.5)
A4_HEIGHT = 297
LARGE_MIN_PT = 16.0
ROLL_DRAFT_HEIGHT = 2000


@dataclass
class Document:
    """What a renderer needs: blocks plus metadata kept free of personal data."""

    title: str  # PDF metadata title: no names, no ID numbers
    blocks: list[Block] = field(default_factory=list)
    large: bool = False  # large print (≥ 16 pt body) for elderly residents

    def text(self) -> str:
        parts: list[str] = [self.title]
        for b in self.blocks:
            if isinstance(b, Title):
                parts += [b.text, b.subtitle]
            elif isinstance(b, Field):
                parts += [b.label, b.value]
            elif isinstance(b, Items):
                parts += [b.heading, b.empty, *b.items]
            elif isinstance(b, Para):
                parts.append(b.text)
            elif isinstance(b, QR):
                parts.append(b.caption)
            elif isinstance(b, Table):
                parts += list(b.headers)
                parts += [c for row in b.rows for c in row]
        return "".join(parts) + "0123456789.·:：-（）—"  # what the renderer adds itself


class _Renderer:
    def __init__(self, doc: Document, media: Media, book: FontBook, height: float) -> None:
        from fpdf import FPDF

        self.doc = doc
        self.page = A4_PAGE if media is Media.A4 else ROLL_PAGE
        self.media = media
        self.base = max(self.page.base, LARGE_MIN_PT) if doc.large else self.page.base
        pdf = FPDF(unit="mm", format=(self.page.width, height))
        pdf.set_margins(self.page.margin, self.page.margin, self.page.margin)
        pdf.set_auto_page_break(media is Media.A4, margin=self.page.margin)
        pdf.set_title(doc.title)
        pdf.set_creator("liudong-station")
        self.family = book.install(pdf, doc.text())
        pdf.add_page()
        self.pdf = pdf

    def size(self, factor: float) -> float:
        """Scaled size; large print never goes under 16 pt, small print included."""
        value = self.base * factor
        return max(value, LARGE_MIN_PT) if self.doc.large else value

    def lh(self, size: float) -> float:
        return size * self.page.line

    def font(self, size: float) -> None:
        self.pdf.set_font(self.family, size=size)

    def write(self, text: str, size: float, align: str = "L") -> None:
        self.font(size)
        self.pdf.multi_cell(0, self.lh(size), scrub(text), align=align, new_x="LMARGIN",
                            new_y="NEXT")

    def gap(self, factor: float = 0.5) -> None:
        self.pdf.ln(self.lh(self.base) * factor)

    def render(self, blocks: Iterable[Block]) -> None:
        for block in blocks:
            getattr(self, f"_{type(block).__name__.lower()}")(block)

    def _title(self, b: Title) -> None:
        self.write(b.text, self.base * 1.6, align="C")
        if b.subtitle:
            self.write(b.subtitle, self.base, align="C")
        self.gap()

    def _field(self, b: Field) -> None:
        pdf = self.pdf
        size = self.base * (1.15 if b.strong else 1.0)
        label_w = self.page.inner * (0.3 if self.media is Media.A4 else 0.34)
        self.font(self.base)
        y = pdf.get_y()
        pdf.multi_cell(label_w, self.lh(size), b.label + "：", align="L", new_x="RIGHT",
                       new_y="TOP")
        self.font(size)
        pdf.multi_cell(0, self.lh(size), scrub(b.value) or "—", align="L", new_x="LMARGIN",
                       new_y="NEXT")
        pdf.set_y(max(pdf.get_y(), y + self.lh(size)))

    def _items(self, b: Items) -> None:
        self.gap(0.3)
        self.write(b.heading + "：", self.base)
        if not b.items and b.empty:
            self.write("    " + b.empty, self.base)
        for n, item in enumerate(b.items, 1):
            self.write(f"  {n}. {item}", self.base)
        self.gap(0.3)

    def _para(self, b: Para) -> None:
        self.write(b.text, self.size(0.85 if b.small else 1.0))

    def _rule(self, b: Rule) -> None:
        pdf = self.pdf
        self.gap(0.3)
        y = pdf.get_y()
        pdf.set_line_width(0.3)
        pdf.line(self.page.margin, y, self.page.width - self.page.margin, y)
        self.gap(0.5)

    def _qr(self, b: QR) -> None:
        import segno

        pdf = self.pdf
        qr = segno.make_qr(b.data, error="m")  # never Micro QR: phones cannot read it
        rows = list(qr.matrix_iter(scale=1, border=2))
        side = 30.0 if self.media is Media.A4 else 32.0
        module = side / len(rows)
        if pdf.will_page_break(side + self.lh(self.base) * 2):
            pdf.add_page()
        x0 = (self.page.width - side) / 2
        y0 = pdf.get_y() + 1
        pdf.set_fill_color(0, 0, 0)
        for r, row in enumerate(rows):
            c = 0
            while c < len(row):
                if not row[c]:
                    c += 1
                    continue
                start = c
                while c < len(row) and row[c]:
                    c += 1
                pdf.rect(x0 + start * module, y0 + r * module, (c - start) * module, module,
                         style="F")
        pdf.set_y(y0 + side + 1)
        if b.caption:
            self.write(b.caption, self.size(0.85), align="C")

    def _table(self, b: Table) -> None:
        if self.media is Media.ROLL80:
            for row in b.rows:
                self._rule(Rule())
                for head, cell in zip(b.headers, row, strict=True):
                    if cell:
                        self._field(Field(head, cell))
            return
        from fpdf.fonts import FontFace

        pdf = self.pdf
        self.font(self.size(0.9))
        total = sum(b.widths)
        widths = tuple(w / total * self.page.inner for w in b.widths)
        with pdf.table(col_widths=widths, text_align="LEFT", line_height=self.lh(self.base),
                       headings_style=FontFace(fill_color=(225, 225, 225))) as table:
            table.row(b.headers)
            for row in b.rows:
                table.row(tuple(scrub(c) for c in row))
        self.gap()


def _every_glyph_drawn(pdf: object) -> None:
    """The last guard, before fpdf2 writes (and logs) any character it had no glyph for:
    the page would silently lack it. Code points only: they may be a name's."""
    from station.documents.coverage import GlyphMissing, code_points

    missing = {cp for font in pdf.fonts.values()  # type: ignore[attr-defined]
               for cp in getattr(font, "missing_glyphs", ())}
    if missing:
        raise GlyphMissing(chars=code_points(missing))


def render(doc: Document, media: Media = Media.A4, book: FontBook | None = None) -> bytes:
    """The document as PDF bytes. A roll page is exactly as long as its content.
    Raises ``GlyphMissing`` rather than print a character no installed face draws."""
    book = book or font_book()
    if media is Media.A4:
        r = _Renderer(doc, media, book, A4_HEIGHT)
        r.render(doc.blocks)
        _every_glyph_drawn(r.pdf)
        return bytes(r.pdf.output())
    draft = _Renderer(doc, media, book, ROLL_DRAFT_HEIGHT)
    draft.render(doc.blocks)
    height = draft.pdf.get_y() + ROLL_PAGE.margin + 6  # room for the cutter
    final = _Renderer(doc, media, book, height)
    final.render(doc.blocks)
    _every_glyph_drawn(final.pdf)
    return bytes(final.pdf.output())
