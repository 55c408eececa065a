"""``U+XXXX`` in typed names (The Unicode Standard, Appendix A, notational conventions)."""

from __future__ import annotations

import pytest

from station.cases.validation import clean_name
from station.codepoints import CodePointError, expand


@pytest.mark.parametrize(("typed", "expected"), [
    ("U+20000䶮", "𠀀䶮"),
    ("u+3400丽", "㐀丽"),
    ("U+2A6A5", "𪚥"),
    ("U+30EDEU+30EDE面", "𰻞𰻞面"),
    ("王U+4E3D;A", "王丽A"),  # ";" ends a code whose next character is a hex digit
    ("张演示", "张演示"),
    ("U+12", "U+12"),  # too short to be a code: left as typed
])
def test_expand(typed, expected):
    assert expand(typed) == expected


def test_a_code_still_being_typed_is_left_alone():
    assert expand("王U+2000", finished=False) == "王U+2000"  # may become U+20000
    assert expand("王U+20000", finished=False) == "王U+20000"
    assert expand("王U+20000䶮", finished=False) == "王𠀀䶮"
    assert expand("王U+10FFFD", finished=False) == "王\U0010FFFD"  # six digits: complete
    assert expand("王U+2000", finished=True) == "王\u2000"


@pytest.mark.parametrize("typed", ["U+D800", "U+110000", "U+0007", "U+FFFFFF"])
def test_impossible_codes_are_refused_in_words(typed):
    with pytest.raises(CodePointError) as caught:
        expand("王" + typed)
    message = caught.value.message()
    assert typed in message and "U+20000" in message and "王" not in message


def test_clean_name_expands_before_checking_length():
    assert clean_name("  U+20000 U+4DAE ") == "𠀀 䶮"
    assert clean_name("U+20000" * 40) == "𠀀" * 40  # 40 characters, not 280 typed
