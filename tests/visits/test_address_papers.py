"""Acceptance: the full address survives booking → `visits list --json` → slip → run sheet
→ call list, for every Shanghai form, through the CLI and the PDF-folder printer.

A table cell that wraps is interleaved with its neighbours in pdftotext's reading
order, so the run sheet and call list are read column by column from the word
boxes of ``pdftotext -bbox`` (poppler), the way a person reads down a column."""

from __future__ import annotations

import html
import json
import re
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from station import paths
from station.cli import cli
from station.people import check_char
from tests.documents.pdfcheck import flat, pdf_text
from tests.support.station import PASS

ENV = {"STATION_PASSPHRASE": PASS}
FORMS = (
    "沧海路100弄5号302室",
    "新成路50号",
    "嘉乐小区3幢2单元501室",
    "爱里舍路88弄12号601室",
    "某某村3组15号",
    "12号3单元402室",  # no site name at all
    "上海市浦东新区高桥镇沧海路100弄5号302室",
    "长乐路100弄3支弄5号3楼",  # a floor the parser does not read: kept in the text
)


def run(*args: str):
    result = CliRunner().invoke(cli, list(args), env=ENV)
    assert result.exit_code == 0, result.output
    return result


def elder_id(n: int) -> str:
    first17 = f"310106{1930 + n:04d}0301{n:03d}"
    return first17 + check_char(first17)


def _words(pdf: Path) -> list[tuple[int, float, float, str]]:
    """(page, xMin, yMin, word) for every word poppler finds."""
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True,
                         text=True, check=True, timeout=120).stdout
    words, page = [], 0
    for line in out.splitlines():
        if "<page " in line:
            page += 1
        m = re.search(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="[\d.]+">'
                      r"([^<]*)</word>", line)
        if m:
            words.append((page, float(m.group(1)), float(m.group(2)), html.unescape(m.group(3))))
    return words


def column(pdf: Path, header: str, next_header: str) -> str:
    """Everything printed under ``header`` (up to the next column), top to bottom."""
    words = _words(pdf)
    left = min(x for _, x, _, w in words if w == header)
    right = min(x for _, x, _, w in words if w == next_header)
    inside = sorted((p, y, x, w) for p, x, y, w in words if left - 1 <= x < right - 1)
    return "".join(w for _, _, _, w in inside)


@pytest.mark.slow  # every paper of a visit, read back
def test_full_address_survives_booking_list_slip_run_sheet_and_call_list():
    run("init", "--name", "测试办事厅", "--site", "新成村", "--site", "沧海", "--site", "嘉乐",
        "--site", "爱里舍", "--staff", "王芳", "--printer", "pdf", "--reader", "simulated")
    # Two visits a half-day, so every one fits its team's morning or afternoon.
    first = date.today() + timedelta(days=2)
    days = sorted({first + timedelta(days=i // 4) for i in range(len(FORMS))})
    booked: dict[str, str] = {}
    for i, text in enumerate(FORMS):
        day, half = first + timedelta(days=i // 4), ("am", "pm")[i // 2 % 2]
        out = run("visits", "book", "--id-number", elder_id(i), "--name", f"寿星{i}",
                  "--address", text, "--phone", "13912345678", "--matter", "MZ01",
                  "--date", day.isoformat(), "--half", half, "--json")
        booked[json.loads(out.output)["visit"]] = text

    listed = json.loads(run("visits", "list", "--json").output)
    assert {row["visit"]: row["address"] for row in listed} == booked

    printed = paths.print_dir()
    for visit, text in booked.items():
        run("visits", "print", "slip", visit)
        [slip] = printed.glob(f"*{visit}*.pdf")
        assert text.replace(" ", "") in flat(pdf_text(slip)), (visit, text)

    sheets_before = set(printed.glob("*.pdf"))
    for day in days:
        run("visits", "print", "run-sheet", "--date", day.isoformat())
    sheets = sorted(set(printed.glob("*.pdf")) - sheets_before)
    assert sheets
    places = "".join(column(s, "地点", "居民") for s in sheets)
    for text in FORMS:
        assert text in places, text

    calls_before = set(printed.glob("*.pdf"))
    for day in days:
        run("visits", "print", "calls", "--date", day.isoformat())
    calls = sorted(set(printed.glob("*.pdf")) - calls_before)
    residents = "".join(column(c, "居民", "电话") for c in calls)
    for text in FORMS:
        assert text in residents, text
