"""Charts without a charting library: block characters for terminals, SVG for the web.

Why hand-drawn: the charts are three simple shapes (horizontal bars, a per-day
trend, sequence coverage); a plotting library would add megabytes and a GUI
backend for that. The PDF draws the same shapes with fpdf2 (station.reports.pdf).
"""

from __future__ import annotations

from html import escape

from shared.i18n import t
from shared.reports.document import Chart, seq_ranges, width

_EIGHTHS = " ▏▎▍▌▋▊▉"
_SPARK = "▁▂▃▄▅▆▇█"


def bar_text(value: float, top: float, cols: int) -> str:
    """A bar of `value` out of `top` in `cols` terminal columns, to an eighth of a column."""
    if top <= 0 or value <= 0:
        return ""
    eighths = max(1, round(value / top * cols * 8))
    return "█" * (eighths // 8) + (_EIGHTHS[eighths % 8] if eighths % 8 else "")


def spark(values: list[float]) -> str:
    top = max(values, default=0)
    if top <= 0:
        return _SPARK[0] * len(values)
    return "".join(_SPARK[min(7, round(v / top * 7))] for v in values)


def coverage_text(ranges: list[tuple[int, int]], total: int, cols: int = 40) -> str:
    """█ where sequence numbers arrived, ░ where they are missing, out of 1…total."""
    if total <= 0:
        return ""
    out = []
    for i in range(cols):
        lo = i * total // cols + 1
        hi = max(lo, (i + 1) * total // cols)
        covered = any(a <= lo and hi <= b for a, b in ranges)
        out.append("█" if covered else "░")
    return "".join(out)


def text_chart(chart: Chart, cols: int = 40) -> str:
    lines = [chart.title]
    if chart.kind == "line":
        lines.append("  " + spark(chart.values))
        if chart.labels:
            lines.append(f"  {chart.labels[0]} … {chart.labels[-1]}"
                         "  " + t("reports.chart_max", max=f"{max(chart.values, default=0):g}"))
    elif chart.kind == "coverage":
        label_w = max((width(x) for x in chart.labels), default=0)
        for label, ranges, total in zip(chart.labels, chart.ranges, chart.totals, strict=True):
            pad = " " * (label_w - width(label))
            lines.append(f"  {label}{pad} {coverage_text(ranges, total, cols)} {total}")
    else:
        label_w = max((width(x) for x in chart.labels), default=0)
        top = max(chart.values, default=0)
        for label, value in zip(chart.labels, chart.values, strict=True):
            pad = " " * (label_w - width(label))
            lines.append(f"  {label}{pad} {bar_text(value, top, cols)} {value:g}")
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------- SVG
_W = 640


def svg_chart(chart: Chart) -> str:
    """An inline <svg> with a <title>; no script, no external references."""
    if chart.kind == "line":
        body, height = _svg_line(chart)
    elif chart.kind == "coverage":
        body, height = _svg_coverage(chart)
    else:
        body, height = _svg_bars(chart)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-chart="{chart.key}"'
            f' viewBox="0 0 {_W} {height}" width="{_W}" height="{height}" role="img">'
            f"<title>{escape(chart.title)}</title>{body}</svg>")


def _svg_bars(chart: Chart) -> tuple[str, int]:
    row, left, right = 18, 150, 50
    top = max(chart.values, default=0) or 1
    parts = []
    for i, (label, value) in enumerate(zip(chart.labels, chart.values, strict=True)):
        y = 4 + i * row
        w = (_W - left - right) * value / top
        parts.append(f'<text x="{left - 6}" y="{y + 12}" text-anchor="end"'
                     f' font-size="12">{escape(label)}</text>'
                     f'<rect class="bar" x="{left}" y="{y + 2}" width="{w:.1f}" height="{row - 5}"'
                     f' fill="#2b6cb0"><title>{escape(label)}: {value:g}</title></rect>'
                     f'<text x="{left + w + 4:.1f}" y="{y + 12}" font-size="11">{value:g}</text>')
    return "".join(parts), 8 + row * max(1, len(chart.values))


def _svg_line(chart: Chart) -> tuple[str, int]:
    height, pad = 180, 30
    n = len(chart.values)
    top = max(chart.values, default=0) or 1
    step = (_W - 2 * pad) / max(1, n - 1)
    pts = [(pad + i * step, height - pad - (height - 2 * pad) * v / top)
           for i, v in enumerate(chart.values)]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
    parts = [f'<line x1="{pad}" y1="{height - pad}" x2="{_W - pad}" y2="{height - pad}"'
             ' stroke="#888"/>',
             *([f'<polyline class="trend" points="{path}" fill="none" stroke="#c05621"'
                ' stroke-width="2"/>'] if n > 1 else [])]
    for (x, y), label, value in zip(pts, chart.labels, chart.values, strict=True):
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#c05621">'
                     f"<title>{escape(label)}: {value:g}</title></circle>")
    if chart.labels:
        parts.append(f'<text x="{pad}" y="{height - 8}" font-size="11">'
                     f"{escape(chart.labels[0])}</text>"
                     f'<text x="{_W - pad}" y="{height - 8}" font-size="11" text-anchor="end">'
                     f"{escape(chart.labels[-1])}</text>"
                     f'<text x="{pad}" y="{pad - 8}" font-size="11">max {top:g}</text>')
    return "".join(parts), height


def _svg_coverage(chart: Chart) -> tuple[str, int]:
    row, left, right = 22, 150, 60
    parts = []
    for i, (label, ranges, total) in enumerate(zip(chart.labels, chart.ranges, chart.totals,
                                                   strict=True)):
        y = 4 + i * row
        span = _W - left - right
        parts.append(f'<text x="{left - 6}" y="{y + 14}" text-anchor="end" font-size="12">'
                     f'{escape(label)}</text><rect class="gap" x="{left}" y="{y + 3}"'
                     f' width="{span}" height="{row - 6}" fill="#e53e3e"/>')
        for lo, hi in ranges:
            x = left + span * (lo - 1) / max(1, total)
            w = span * (hi - lo + 1) / max(1, total)
            span_text = seq_ranges([(lo, hi)])
            parts.append(f'<rect class="received" x="{x:.1f}" y="{y + 3}" width="{w:.1f}"'
                         f' height="{row - 6}" fill="#38a169"><title>{span_text}</title></rect>')
        parts.append(f'<text x="{_W - right + 4}" y="{y + 14}" font-size="11">{total}</text>')
    return "".join(parts), 8 + row * max(1, len(chart.labels))
