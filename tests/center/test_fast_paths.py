"""The centre's shortcuts around the json module give exactly the json module's results.

`center.app._loads` (envelopes through the C scanner) must accept and refuse what
`json.loads` does; `center.db._META_JSON` must write the very text `json.dumps` writes,
because stored metadata is compared and searched as text.
"""

from __future__ import annotations

import codecs
import json

from hypothesis import example, given, settings
from hypothesis import strategies as st

from center.app import _loads
from center.db import _META_JSON

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids,
                                                              max_size=4),
    max_leaves=20)


def outcome(parse, raw: bytes):
    try:
        return "ok", parse(raw)
    except ValueError:  # JSONDecodeError and UnicodeDecodeError both are
        return "refused", None


@settings(max_examples=300, deadline=None)
@given(value=json_values, pad=st.sampled_from(["", " ", "\n", "x", "{}", ",1"]),
       front=st.booleans(), ascii_only=st.booleans())
def test_envelope_parse_agrees_with_json_loads(value, pad: str, front: bool,
                                               ascii_only: bool) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only, separators=(",", ":"))
    text = pad + text if front else text + pad
    try:
        raw = text.encode()
    except UnicodeEncodeError:  # a lone surrogate: not UTF-8, never an envelope
        return
    assert outcome(_loads, raw) == outcome(json.loads, raw)


@settings(max_examples=300, deadline=None)
@given(raw=st.binary(max_size=40))
@example(raw=b"\x000")  # UTF-16-BE "0" to json.loads' encoding guess
def test_envelope_parse_refuses_what_json_loads_refuses(raw: bytes) -> None:
    mine, theirs = outcome(_loads, raw), outcome(json.loads, raw)
    # Stricter only where json.loads guesses an encoding: envelopes are plain UTF-8.
    assert mine == theirs or (mine[0] == "refused" and not _plain_utf8(raw))


def _plain_utf8(raw: bytes) -> bool:
    """UTF-8 as json.loads itself would read it: no byte-order mark, and no NUL bytes
    among the first four, from which json.loads guesses UTF-16/32 (json.detect_encoding;
    RFC 4627 §3): b'\\x000' is the number 0 to json.loads, and refused as an envelope."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not raw.startswith(codecs.BOM_UTF8) and json.detect_encoding(raw) == "utf-8"


scalars = st.one_of(st.text(), st.integers(-2**63 + 1, 2**63 - 1),
                    st.floats(allow_nan=False), st.booleans())


@settings(max_examples=300, deadline=None)
@given(meta=st.dictionaries(st.text(max_size=10), scalars, max_size=8))
def test_meta_text_is_json_dumps_text(meta) -> None:
    assert _META_JSON(meta) == json.dumps(meta, ensure_ascii=False, sort_keys=True)
