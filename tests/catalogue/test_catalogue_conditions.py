"""Defaults and materials needed by answers: declared in the catalogue, strictly loaded,
and the case's missing materials follow the answers (issue 17)."""

from __future__ import annotations

import copy
import tomllib
from datetime import date

import pytest

from station.cases.model import CaseDraft
from station.cases.validation import _derived
from station.catalogue.loader import default_path, load_catalogue, parse_catalogue
from station.catalogue.model import CatalogueError
from station.people import Resident, parse_id


@pytest.fixture(scope="module")
def good() -> dict:
    return tomllib.loads(default_path().read_text(encoding="utf-8"))


def matter(data: dict, code: str) -> dict:
    return next(m for m in data["matters"] if m["code"] == code)


def refused(data: dict) -> CatalogueError:
    with pytest.raises(CatalogueError) as info:
        parse_catalogue(data)
    return info.value


def test_only_declared_defaults():
    cat = load_catalogue()
    assert cat.get("MZ01").field("payout").default == "社保卡（敬老卡）"
    # The issue's three: no normal answer, so no default.
    assert cat.get("MZ04").field("economic").default == ""
    assert cat.get("MZ04").field("care_level").default == ""
    assert cat.get("ZF01").field("role").default == ""


def test_default_must_be_one_of_the_choices(good):
    data = copy.deepcopy(good)
    matter(data, "MZ01")["fields"][0]["default"] = "现金"
    err = refused(data)
    assert err.where == "MZ01" and err.problem == "choice" and err.field.endswith("default")


def test_default_only_for_choices(good):
    data = copy.deepcopy(good)
    matter(data, "MZ01")["fields"][2]["default"] = "工商银行"
    assert refused(data).problem == "not_for_type"


def test_material_condition_on_a_missing_field(good):
    data = copy.deepcopy(good)
    bank = next(m for m in matter(data, "MZ01")["materials"] if m["code"] == "bank")
    bank["required_if"] = {"field": "payment", "value": "本人银行卡"}
    err = refused(data)
    assert err.problem == "no_such_choice" and err.field.endswith("required_if.field")


def test_material_condition_on_an_answer_that_cannot_be_given(good):
    data = copy.deepcopy(good)
    bank = next(m for m in matter(data, "MZ01")["materials"] if m["code"] == "bank")
    bank["required_if"] = {"field": "payout", "value": "银行卡"}
    err = refused(data)
    assert err.problem == "choice" and "本人银行卡" in err.message()


def test_material_condition_and_optional_together(good):
    data = copy.deepcopy(good)
    bank = next(m for m in matter(data, "MZ01")["materials"] if m["code"] == "bank")
    bank["optional"] = True
    assert refused(data).problem == "both_optional"


def _missing(code: str, answers: dict, materials: set[str]) -> tuple[str, ...]:
    resident = Resident(id=parse_id("310105194501010011"), name="测试", source="typed")
    draft = CaseDraft(resident=resident, matter=code, answers=answers,
                      materials=frozenset(materials))
    return _derived(draft, date(2026, 12, 7))[1]


def test_dibao_status_needs_its_certificate():
    base = {"care_level": "三级", "service": "助浴"}
    have = {"id", "hukou", "assessment"}
    assert _missing("MZ04", {**base, "economic": "低保"}, have) == ("dibao",)
    assert _missing("MZ04", {**base, "economic": "低收入"}, have) == ("dibao",)
    assert _missing("MZ04", {**base, "economic": "一般"}, have) == ()


def test_bank_copy_only_when_paid_to_a_bank_card():
    have = {"id", "form"}
    assert _missing("MZ01", {"payout": "社保卡（敬老卡）"}, have) == ()
    assert _missing("MZ01", {"payout": "本人银行卡", "bank_account": "6222020200112233445",
                             "bank_name": "工商银行"}, have) == ("bank",)
