"""Page breaks of the printed report at district sizes: 1, 35, 50 and 200 stations.

Read back with poppler's `pdftotext -bbox` (per page, every word with its box): no page
but the last may be nearly blank, every strip and bar label is printed exactly once
(none cut off at a page foot), and a chart's title shares its page with its first row.
"""

from __future__ import annotations

import re
import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from center.reports import data
from center.reports.report import CentreReport, DayRow
from shared.i18n import t
from shared.reports.document import Chart, Document
from shared.reports.figures import Figures
from station.reports.pdf import render_pdf

FILLED = 0.70  # every page but the last is written past this share of its height

_PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', re.S)
_WORD = re.compile(r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">'
                   r"(.*?)</word>")


def pages(pdf: Path) -> list[tuple[float, list[tuple[float, float, str]]]]:
    """Per page: its height and its words (top, bottom, text)."""
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True,
                         text=True, check=True).stdout
    return [(float(h), [(float(a), float(b), w) for a, b, w in _WORD.findall(body)])
            for _w, h, body in _PAGE.findall(out)]


def assert_filled(pdf: Path) -> int:
    """No page but the last is nearly blank; returns the page count."""
    got = pages(pdf)
    for i, (height, words) in enumerate(got[:-1]):
        bottom = max((b for _, b, _ in words), default=0)
        assert bottom >= FILLED * height, f"page {i + 1} of {len(got)} is nearly blank"
    return len(got)


def names(n: int) -> list[str]:
    return [f"浦东-{i:03d}" for i in range(1, n + 1)]


def district(n: int, days: int) -> CentreReport:
    """A centre report of n stations over `days` days, every third with a gap."""
    first = date(2026, 11, 1)
    rep = CentreReport(first, first + timedelta(days - 1), first + timedelta(days + 5),
                       datetime(2026, 12, 7, 9, 0, tzinfo=UTC),
                       names={f"id-{i}": name for i, name in enumerate(names(n))},
                       unreadable=data.Unreadable())
    for i, name in enumerate(names(n)):
        for d in range(days):
            row = DayRow(f"id-{i}", name, (first + timedelta(d)).isoformat(), received=13,
                         figures=Figures(cases=12, visits=1, visits_booked=1))
            rep.rows.append(row)
        total = 13 * days
        gaps = [(40, 42)] if i % 3 == 0 else []
        ranges = [(1, 39), (43, total)] if gaps else [(1, total)]
        rep.coverage.append({"station_id": f"id-{i}", "name": name, "received": total,
                             "ranges": ranges, "gaps": gaps})
    rep.per_line = {f"L{k} 线{k}": 100 * k for k in range(1, 9)}
    rep.per_day = {(first + timedelta(d)).isoformat(): 12 * n for d in range(days)}
    return rep


@pytest.mark.parametrize("n", [1, 35, pytest.param(50, marks=pytest.mark.slow),
                               pytest.param(200, marks=pytest.mark.slow)])
def test_coverage_strips_break_between_rows(n: int, tmp_path):
    doc = Document("覆盖", facts=[("办事点数", str(n))])
    doc.charts = [district(n, 2).charts()[-1]]
    pdf = tmp_path / "coverage.pdf"
    render_pdf(doc, pdf)
    count = assert_filled(pdf)
    got = pages(pdf)
    labels = [w for _, words in got for _, _, w in words if w.startswith("浦东-")]
    assert labels == names(n)  # each strip once, in order: none cut at a page foot
    title = t("reports.chart_coverage").split("（")[0]
    first = next(i for i, (_, words) in enumerate(got) if any(title in w for *_, w in words))
    assert any(w == names(n)[0] for *_, w in got[first][1])  # title stays with its first row
    # about 34 strips to an A4 landscape page (5 mm each, 12 mm margins)
    assert count <= 1 + n // 30


@pytest.mark.parametrize("n", [1, 35, pytest.param(50, marks=pytest.mark.slow),
                               pytest.param(200, marks=pytest.mark.slow)])
def test_detail_report_has_no_blank_pages(n: int, tmp_path):
    rep = district(n, 2)
    pdf = tmp_path / "detail.pdf"
    render_pdf(rep.document(detail=True), pdf)
    assert_filled(pdf)
    words = [w for _, ws in pages(pdf) for *_, w in ws]
    for name in names(n):
        # two day rows, one coverage table row, one strip
        assert words.count(name) == 4, name


@pytest.mark.parametrize("n", [1, 35, pytest.param(50, marks=pytest.mark.slow),
                               pytest.param(200, marks=pytest.mark.slow)])
def test_summary_fits_a_desk(n: int, tmp_path):
    """30 days: the summary is a few pages at any district size up to 50 stations."""
    rep = district(n, 30)
    pdf = tmp_path / "summary.pdf"
    render_pdf(rep.document(), pdf)
    count = assert_filled(pdf)
    if n <= 50:
        assert count <= 6
    text = " ".join(w for _, ws in pages(pdf) for *_, w in ws)
    gapped = [name for i, name in enumerate(names(n)) if i % 3 == 0]
    assert all(name in text for name in gapped)
    clean = [name for i, name in enumerate(names(n)) if i % 3]
    assert not any(name in text for name in clean)  # exceptions only


def test_one_day_draws_no_trend(tmp_path):
    rep = district(3, 1)
    assert "cases_per_day" not in [c.key for c in rep.document().charts]
    assert "cases_per_day" in [c.key for c in district(3, 2).document().charts]


def test_numbers_are_right_aligned(tmp_path):
    from shared.reports.document import Table

    doc = Document("对齐")
    doc.tables = [Table("t", "件数", ["办事点", "件数"], [["甲", 7], ["乙", 12345], ["丙", None]])]
    pdf = tmp_path / "aligned.pdf"
    render_pdf(doc, pdf)
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True,
                         text=True, check=True).stdout
    box = {w: (float(a), float(b)) for a, b, w in re.findall(
        r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]+)</word>',
        out)}
    assert abs(box["7"][1] - box["12345"][1]) < 0.5  # right edges line up
    assert box["7"][0] > box["12345"][0] + 5  # the short figure starts further right
    assert abs(box["甲"][0] - box["乙"][0]) < 0.5  # text stays left


def test_chart_of_a_single_point_has_no_line():
    from shared.reports.charts import svg_chart

    svg = svg_chart(Chart("cases_per_day", "趋势", "line", ["2026-11-01"], [5.0]))
    assert "polyline" not in svg
    two = svg_chart(Chart("cases_per_day", "趋势", "line", ["a", "b"], [5.0, 6.0]))
    assert "polyline" in two
