"""Every matter rests on sources or says why it waits for review; bad source entries are refused.

The catalogue is published by the centre and pulled by the station, so a source list is untrusted
input like the rest: each wrong shape must stop the file with the matter code and field named.
"""

from __future__ import annotations

import copy
import json
import tomllib
from datetime import date, datetime

import pytest
from click.testing import CliRunner

from shared.i18n import set_locale
from station.catalogue.loader import default_path, load_catalogue, parse_catalogue
from station.catalogue.model import AUTHORITY, CatalogueError
from station.cli import cli


@pytest.fixture(scope="module")
def good() -> dict:
    return tomllib.loads(default_path().read_text(encoding="utf-8"))


def matter(data: dict, code: str) -> dict:
    return next(m for m in data["matters"] if m["code"] == code)


def refused(data: dict) -> CatalogueError:
    with pytest.raises(CatalogueError) as info:
        parse_catalogue(data)
    return info.value


def test_every_matter_has_sources_or_a_review_reason():
    cat = load_catalogue()
    for m in cat.matters:
        assert m.sources or (m.needs_review and m.review_reason.strip()), m.code
        if m.needs_review:
            assert m.review_reason.strip(), m.code
        for s in m.sources:
            assert (s.url or s.doc) and s.confirms.strip(), m.code
            assert s.authority in AUTHORITY, m.code
            assert date(2000, 1, 1) <= s.checked <= cat.published, m.code


def test_sources_were_checked_in_this_review_or_later():
    # Issue 15 part 5 checked every source on 2026-12-07; a later re-check may move the date on.
    cat = load_catalogue()
    checked = {s.checked for m in cat.matters for s in m.sources}
    assert checked and min(checked) >= date(2026, 12, 7)


def test_a_matter_with_neither_sources_nor_review_is_refused(good):
    data = copy.deepcopy(good)
    m = matter(data, "ZF01")
    m["review"] = False
    del m["review_reason"]
    m.pop("sources")
    err = refused(data)
    assert (err.where, err.field, err.problem) == ("ZF01", "sources", "unsourced")
    set_locale("zh_CN")
    assert "ZF01" in err.message() and "review_reason" in err.message()


def test_review_without_its_reason_is_refused(good):
    data = copy.deepcopy(good)
    del matter(data, "RS05")["review_reason"]
    err = refused(data)
    assert (err.where, err.field, err.problem) == ("RS05", "review_reason", "missing")


def test_a_review_flag_on_a_part_also_needs_the_reason(good):
    # MZ01's bank-card material is flagged; the matter must still say why.
    data = copy.deepcopy(good)
    m = matter(data, "MZ01")
    m["review"] = False
    del m["review_reason"]
    err = refused(data)
    assert (err.where, err.field, err.problem) == ("MZ01", "review_reason", "missing")


def test_a_sourced_matter_without_review_parses(good):
    data = copy.deepcopy(good)
    m = matter(data, "ZF01")
    m["review"] = False
    del m["review_reason"]
    assert parse_catalogue(data).get("ZF01").sources


def entry(**kw) -> dict:
    base = {"url": "https://zwdt.sh.gov.cn/govPortals/bsfw/item/x", "confirms": "材料清单",
            "checked": date(2026, 12, 7), "authority": "official"}
    base.update(kw)
    return {k: v for k, v in base.items() if v is not None}


@pytest.mark.parametrize(("bad", "field", "problem"), [
    (entry(url=None), "sources[0].url", "missing"),
    (entry(url=""), "sources[0].url", "empty"),
    (entry(url="zwdt.sh.gov.cn/x"), "sources[0].url", "format"),
    (entry(url="javascript:alert(1)"), "sources[0].url", "format"),
    (entry(url="https://a b.cn/"), "sources[0].url", "format"),
    (entry(url="https://" + "a" * 500 + ".cn/"), "sources[0].url", "format"),
    (entry(url=None, doc="沪" * 121), "sources[0].doc", "range"),
    (entry(url=42), "sources[0].url", "type"),
    (entry(confirms=None), "sources[0].confirms", "missing"),
    (entry(confirms="  "), "sources[0].confirms", "empty"),
    (entry(confirms="字" * 301), "sources[0].confirms", "range"),
    (entry(checked=None), "sources[0].checked", "missing"),
    (entry(checked="2026-12-07"), "sources[0].checked", "type"),
    (entry(checked=datetime(2026, 12, 7, 9, 0)), "sources[0].checked", "type"),
    (entry(checked=date(2026, 12, 8)), "sources[0].checked", "range"),
    (entry(checked=date(1999, 12, 31)), "sources[0].checked", "range"),
    (entry(authority=None), "sources[0].authority", "missing"),
    (entry(authority="blog"), "sources[0].authority", "choice"),
    (entry(note="x"), "sources[0].note", "unknown"),
])
def test_bad_source_entries_are_refused(good, bad, field, problem):
    data = copy.deepcopy(good)
    matter(data, "YB02")["sources"] = [bad]
    err = refused(data)
    assert (err.where, err.field, err.problem) == ("YB02", field, problem)


@pytest.mark.parametrize("bad", ["https://x.cn", {"url": "https://x.cn"}, ["https://x.cn"]])
def test_sources_must_be_a_list_of_tables(good, bad):
    data = copy.deepcopy(good)
    matter(data, "YB02")["sources"] = bad
    err = refused(data)
    assert err.where == "YB02" and err.problem == "type"


def test_a_document_number_alone_is_a_source(good):
    data = copy.deepcopy(good)
    matter(data, "YB02")["sources"] = [entry(url=None, doc="沪医保规〔2024〕1号")]
    src = parse_catalogue(data).get("YB02").sources[0]
    assert (src.ref, src.url, src.doc) == ("沪医保规〔2024〕1号", "", "沪医保规〔2024〕1号")


def test_catalogue_json_shows_sources_and_the_review_reason():
    set_locale("zh_CN")
    result = CliRunner().invoke(cli, ["catalogue", "--json"], catch_exceptions=False)
    rows = {r["code"]: r for r in json.loads(result.output)}
    zf01 = rows["ZF01"]
    assert any(s.get("doc", "").startswith("沪房规范〔2024〕8号") for s in zf01["sources"])
    assert all(s["checked"] == "2026-12-07" for s in zf01["sources"])
    assert rows["RS05"]["sources"] == [] and rows["RS05"]["review_reason"]
