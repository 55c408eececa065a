"""`station catalogue` as scripts and staff use it."""

from __future__ import annotations

import json
import unicodedata

from click.testing import CliRunner

from station.catalogue.loader import load_catalogue
from station.cli import cli
from tests.catalogue.catalogue_expected import EXPECTED, LINES, MENUS


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def cols(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def test_json_lists_every_matter_with_the_agreed_keys():
    result = run("catalogue", "--json")
    assert result.exit_code == 0
    rows = json.loads(result.output)
    assert sorted(r["code"] for r in rows) == sorted(EXPECTED)
    assert {r["line"] for r in rows} == set(LINES)
    for menu in MENUS:
        assert any(menu in r["menus"] for r in rows)
    for r in rows:
        assert {"code", "name", "line", "menus", "time_limit_days", "home_visit"} <= set(r)
        assert isinstance(r["time_limit_days"], int) and isinstance(r["home_visit"], bool)
        assert (r["line"], r["name"]) == EXPECTED[r["code"]]


def test_search_menu_and_line_filters():
    rows = json.loads(run("catalogue", "--search", "jlk", "--json").output)
    assert rows[0]["code"] == "MZ01"
    rows = json.loads(run("catalogue", "--menu", "儿童", "--json").output)
    assert rows and all("儿童" in r["menus"] for r in rows)
    rows = json.loads(run("catalogue", "--line", "民政", "--json").output)
    assert [r["code"] for r in rows] == [f"MZ0{i}" for i in range(1, 7)]
    rows = json.loads(run("catalogue", "--line", "zf", "--menu", "老年人", "--json").output)
    assert [r["code"] for r in rows] == ["ZF03"]


def test_unknown_line_or_menu_is_a_usage_error():
    result = CliRunner().invoke(cli, ["catalogue", "--line", "教育"])
    assert result.exit_code == 2 and "民政" in result.output
    assert CliRunner().invoke(cli, ["catalogue", "--menu", "学生"]).exit_code == 2


def test_table_fits_80_columns_and_counts():
    result = run("catalogue")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert all(cols(line) <= 80 for line in lines)
    assert "敬老卡申领" in result.output and f"共 {len(load_catalogue())} 项" in lines[-1]
    assert any(line.startswith("RS01") and "即办" in line for line in lines)


def test_table_in_english():
    result = run("--lang", "en", "catalogue", "--line", "住房")
    assert "Residential lease registration" in result.output
    assert all(cols(line) <= 80 for line in result.output.splitlines())


def test_no_match_says_so():
    result = run("catalogue", "--search", "qqqqzzz")
    assert result.exit_code == 0 and "没有符合条件的事项" in result.output
    assert json.loads(run("catalogue", "--search", "qqqqzzz", "--json").output) == []


def test_help_is_complete():
    result = run("catalogue", "--help")
    assert result.exit_code == 0
    for option in ("--search", "--menu", "--line", "--json"):
        assert option in result.output
    assert "拼音" in result.output
