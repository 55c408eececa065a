"""Text is data at the command line: control and direction characters are refused on
the way in, and whatever an older or hostile row still holds is printed escaped."""

from __future__ import annotations

import json

import pytest

from shared import text
from shared.text import check_text, forbidden_char, visible
from tests.core.test_cli_e2e import case_count, mz01, run
from tests.support.station import ELDER_ID, PASS

HOSTILE = ["\x1b[2Jx", "\x1b]0;owned\x07x", "a\u202ebc", "\x9b31mx", "a\u2066b", "x\u200fy"]


@pytest.mark.parametrize("name", [*HOSTILE, "a\x00b", "a\nb", "a\x7fb", "a\u061cb"])
def test_the_rule_refuses_controls_and_direction_marks(name):
    assert forbidden_char(name) is not None
    with pytest.raises(text.StationError) as err:
        check_text(name, "text.field_name")
    message = err.value.message()
    assert "U+" in message and name not in message  # says what and where, not the text


@pytest.mark.parametrize("name", ["王小明", "O'Brien-Smith", "[red]x", "张 三", "ÀÉÎõü",
                                  "\u200d", "𠀀"])
def test_ordinary_text_passes(name):
    assert check_text(name, "text.field_name") == name


def test_guidance_may_keep_line_breaks():
    assert forbidden_char("一行\n二行\t三", multiline=True) is None
    assert forbidden_char("一行\x1b[2J", multiline=True) == (3, "U+001B")


def test_visible_output_is_valid_json_and_inert():
    shown = visible(json.dumps({"n": "a\x9bb\u202ec\x7f", "m": "\x1b"}, ensure_ascii=False))
    assert json.loads(shown) == {"n": "a\x9bb\u202ec\x7f", "m": "\x1b"}
    assert forbidden_char(shown) is None


def _init() -> None:
    result = run("init", "--name", "测试办事厅", "--site", "新成村", "--staff", "王芳",
                 "--printer", "pdf", "--reader", "simulated")
    assert result.exit_code == 0, result.output


def test_case_add_refuses_control_characters(tmp_path):
    _init()
    for name in HOSTILE:
        args = mz01()
        args[args.index("--name") + 1] = name
        result = run(*args)
        assert result.exit_code == 1, result.output
        assert "U+" in result.output and "\x1b" not in result.output
    assert case_count() == 0
    bad_init = run("staff", "add", "李\x1b明", "--passphrase-stdin", env={},
                   input=f"{PASS}\nsecond passphrase\n")
    assert bad_init.exit_code == 1 and "U+001B" in bad_init.output


def test_stored_hostile_names_print_escaped(tmp_path, monkeypatch):
    _init()
    # A row written before the check existed (or by a tampered laptop): bypass the check.
    never = __import__("re").compile(r"(?!)")
    with monkeypatch.context() as m:
        m.setattr(text, "FORBIDDEN", never)
        m.setattr(text, "FORBIDDEN_MULTILINE", never)
        args = mz01()
        args[args.index("--name") + 1] = "\x1b[2J\x1b]0;owned\x07张\u202e三"
        added = run(*args)
    assert added.exit_code == 0, added.output
    case_no = added.stdout.strip().splitlines()[0]
    shown = run("case", "show", case_no)
    assert shown.exit_code == 0, shown.output
    assert "\\x1b[2J\\x1b]0;owned\\x07张\\u202e三" in shown.output
    assert forbidden_char(shown.output, multiline=True) is None
    as_json = run("case", "show", case_no, "--json")
    assert as_json.exit_code == 0, as_json.output
    assert forbidden_char(as_json.output, multiline=True) is None
    name = json.loads(as_json.output)["resident"]["name"]
    assert name == "\x1b[2J\x1b]0;owned\x07张\u202e三"  # the data itself, unchanged
    listed = run("case", "list")
    assert listed.exit_code == 0 and forbidden_char(listed.output, multiline=True) is None
    assert ELDER_ID not in shown.output  # still masked
