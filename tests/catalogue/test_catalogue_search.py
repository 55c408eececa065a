"""Search by code, Chinese text, full pinyin and initials, ranked, fast enough per keypress."""

from __future__ import annotations

import random
import string
import time

import pytest

from station.catalogue.loader import load_catalogue
from station.catalogue.search import SearchIndex, find_matters


def codes(text: str) -> list[str]:
    return [m.code for m in find_matters(load_catalogue(), text)]


@pytest.mark.parametrize("query", ["jlk", "JLK", "jinglaoka", "jing lao ka", "jinglk", "MZ01",
                                   "mz01", "敬老", "敬老卡申领", "老年综合津贴"])
def test_jing_lao_ka_comes_first(query):
    assert codes(query)[0] == "MZ01"


def test_exact_code_beats_code_prefix_and_pinyin():
    assert codes("SB01")[0] == "SB01"
    assert codes("sb")[:4] == ["SB01", "SB02", "SB03", "SB04"]  # code prefix before 社保 initials
    assert codes("MZ0")[:6] == ["MZ01", "MZ02", "MZ03", "MZ04", "MZ05", "MZ06"]


def test_initials_prefix_beats_a_match_inside_the_name():
    # 社保卡挂失补换 starts with 社保卡; 新版社保卡申领 only contains it.
    found = codes("sbk")
    assert found.index("SB02") < found.index("SB01")
    assert set(found) == {"SB01", "SB02", "SB03"}


def test_chinese_prefix_beats_chinese_inside():
    found = codes("残疾人")
    assert found[:2] == ["CL01", "CL02"]
    assert "CL04" in found  # 残疾人辅助器具… also starts with it
    found = codes("医疗")
    assert found[0] == "YB03" and "YB01" in found  # 城乡居民基本医疗… has it inside


def test_search_by_line_and_english():
    assert set(codes("民政")) == {f"MZ0{i}" for i in range(1, 7)}
    assert codes("veteran")[0] == "TY01"


def test_other_spellings():
    assert codes("zlba") == ["ZF01"]              # 租赁备案 alias
    assert codes("租赁")[0] == "ZF01"
    assert codes("syb")[:2] == ["RS02", "RS03"]   # 失业保…, 失业补…
    assert codes("nü")[:2] == ["WJ02", "WJ03"]    # 独生子女: ü typed as is
    assert codes("zhongcan") == ["CL03"]          # 重 read zhòng here, not chóng


def test_nothing_and_everything():
    assert codes("qqqqzzz") == []
    assert codes("") == codes("   ") == [m.code for m in load_catalogue().matters]


def test_limit():
    assert len(find_matters(load_catalogue(), "", limit=5)) == 5


def test_under_a_millisecond_per_keypress():
    cat = load_catalogue()
    index = SearchIndex(cat.matters, cat.lines)
    rng = random.Random(7)
    queries = {"".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(1, 6)))
               for _ in range(600)}
    queries |= {"敬", "敬老", "社保", "残疾人证", "jlk", "jinglaoka", "MZ0"}
    # CPU time of this thread, not wall time: the work a keypress costs, the same on a
    # quiet machine and beside busy neighbours (whose share of the cores is not ours).
    start = time.thread_time()
    for q in queries:
        index.search(q)  # each query once: nothing is served from the memo
    per_query = (time.thread_time() - start) / len(queries)
    assert per_query < 0.001, f"{per_query * 1000:.3f} ms per query"
