"""Form answers and eligibility are checked against the matter, with translated messages."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from shared.i18n import set_locale
from station.catalogue.answers import (
    AnswersInvalid,
    check_eligibility,
    clean_answers,
    validate_answers,
)
from station.catalogue.loader import load_catalogue
from station.people import check_char

TODAY = date(2026, 11, 22)


def m(code: str):
    return load_catalogue().get(code)


def valid_id(first17: str = "31010119500307123") -> str:
    return first17 + check_char(first17)


def test_complete_answers_pass():
    answers = {"phone": "13812345678", "payout": "社保卡（敬老卡）"}
    assert validate_answers(m("MZ01"), answers, today=TODAY) == {}


def test_required_fields_are_named():
    errors = validate_answers(m("MZ01"), {}, today=TODAY)
    assert set(errors) == {"payout"}
    assert errors["payout"] == "津贴发放方式：必填"


@pytest.mark.parametrize("delivery", ["post", "visit"])
def test_phone_and_address_are_needed_when_the_result_leaves_the_centre(delivery):
    answers = {"payout": "社保卡（敬老卡）"}
    # Collected at the centre (also the default way): no phone asked for.
    assert validate_answers(m("MZ01"), answers, today=TODAY) == {}
    assert validate_answers(m("MZ01"), answers, delivery="centre", today=TODAY) == {}
    errors = validate_answers(m("MZ01"), answers, delivery=delivery, today=TODAY)
    assert set(errors) == {"phone", "address"}
    assert errors["phone"] == "联系电话：必填"
    answers |= {"phone": "13812345678", "address": "新成村 12号 3单元 402室"}
    assert validate_answers(m("MZ01"), answers, delivery=delivery, today=TODAY) == {}


def test_condition_on_another_answer():
    answers = {"phone": "13812345678", "payout": "本人银行卡"}
    errors = validate_answers(m("MZ01"), answers, today=TODAY)
    assert set(errors) == {"bank_account", "bank_name"}
    answers |= {"bank_account": "6222 0212", "bank_name": "工商银行"}
    errors = validate_answers(m("MZ01"), answers, today=TODAY)
    assert set(errors) == {"bank_account"} and "16-19位数字" in errors["bank_account"]
    answers["bank_account"] = "6222021234567890123"
    assert validate_answers(m("MZ01"), answers, today=TODAY) == {}


def test_address_is_needed_when_the_result_is_posted():
    answers = {"phone": "021-5999 0106", "payout": "社保卡（敬老卡）"}
    assert validate_answers(m("MZ01"), answers, delivery="centre", today=TODAY) == {}
    errors = validate_answers(m("MZ01"), answers, delivery="post", today=TODAY)
    assert set(errors) == {"address"}


@pytest.mark.parametrize("phone", ["13812345678", "+86 138 1234 5678", "021-59990106",
                                   "59990106", "(021)59990106"])
def test_phone_forms_accepted(phone):
    assert "phone" not in validate_answers(m("RS05"), {"phone": phone}, today=TODAY)


@pytest.mark.parametrize("phone", ["1381234567", "23812345678", "phone", "138123456789"])
def test_phone_forms_refused(phone):
    assert "phone" in validate_answers(m("RS05"), {"phone": phone}, today=TODAY)


def lease(**over: str) -> dict[str, str]:
    base = {"phone": "13812345678", "location": "嘉定区某路1号", "start": "2026-11-01",
            "end": "2027-10-31", "rent": "4500", "role": "承租人"}
    return base | over


def test_dates_money_and_order():
    assert validate_answers(m("ZF01"), lease(), today=TODAY) == {}
    assert validate_answers(m("ZF01"), lease(start="20261101", end="2027年10月31日"),
                            today=TODAY) == {}
    errors = validate_answers(m("ZF01"), lease(end="2026-10-01"), today=TODAY)
    assert errors == {"end": "租期结束日期：应晚于租期开始日期"}
    assert "日历上没有" in validate_answers(m("ZF01"), lease(start="2026-02-30"),
                                           today=TODAY)["start"]
    assert "年-月-日" in validate_answers(m("ZF01"), lease(start="next week"),
                                         today=TODAY)["start"]
    assert "两位小数" in validate_answers(m("ZF01"), lease(rent="4500.123"), today=TODAY)["rent"]
    assert "不能小于 1" in validate_answers(m("ZF01"), lease(rent="0"), today=TODAY)["rent"]
    assert validate_answers(m("ZF01"), lease(rent="¥4,500.50元"), today=TODAY) == {}


def test_past_dates_cannot_be_in_the_future():
    answers = {"phone": "13812345678", "cause": "重大疾病", "amount": "3000",
               "event_date": "2026-11-23", "detail": "住院"}
    assert validate_answers(m("MZ03"), answers, today=TODAY) == {
        "event_date": "困难发生日期：不能晚于今天"}


def test_choices_integers_and_bools():
    answers = {"phone": "13812345678", "mode": "外卖", "meal_point": "长者食堂",
               "lives_alone": "maybe"}
    errors = validate_answers(m("MZ05"), answers, today=TODAY)
    assert set(errors) == {"mode", "lives_alone"}
    assert "堂吃、送餐上门" in errors["mode"]
    answers |= {"mode": "堂吃", "lives_alone": "是"}
    assert clean_answers(m("MZ05"), answers, today=TODAY)["lives_alone"] is True
    errors = validate_answers(m("RS05"), {"phone": "13812345678", "from_month": "2024-01",
                                          "to_month": "2026-13", "purpose": "购房",
                                          "copies": "9"}, today=TODAY)
    assert set(errors) == {"to_month", "copies"}
    assert errors["copies"] == "份数：不能大于 5"


def test_id_numbers_use_the_identity_rules():
    good = valid_id()
    wrong = good[:-1] + ("0" if good[-1] != "0" else "1")
    base = {"phone": "13812345678", "deceased_name": "某某", "death_date": "2026-11-01",
            "relation": "子女", "bank_account": "6222021234567890123"}
    assert validate_answers(m("MZ06"), base | {"deceased_id": good}, today=TODAY) == {}
    errors = validate_answers(m("MZ06"), base | {"deceased_id": wrong}, today=TODAY)
    assert errors["deceased_id"].startswith("逝者身份证号：")
    assert good not in errors["deceased_id"]  # never echo the number back


def test_unknown_answer_keys_are_reported():
    errors = validate_answers(m("RS05"), {"phone": "13812345678", "colour": "red"}, today=TODAY)
    assert "colour" in errors


def test_clean_answers_gives_typed_values():
    values = clean_answers(m("ZF01"), lease(rent="4500.5"), today=TODAY)
    assert values["start"] == date(2026, 11, 1) and values["rent"] == Decimal("4500.5")
    with pytest.raises(AnswersInvalid) as info:
        clean_answers(m("ZF01"), lease(rent="x"), today=TODAY)
    assert set(info.value.errors) == {"rent"}


def test_messages_follow_the_interface_language():
    set_locale("en")
    errors = validate_answers(m("MZ01"), {}, delivery="post", today=TODAY)
    assert errors["phone"] == "Contact phone: required"


@pytest.mark.parametrize(("locale", "hint"), [("zh_CN", "如 2024-01"), ("en", "e.g. 2024-01")])
def test_a_wrong_format_shows_the_hint_in_the_interface_language(locale, hint):
    from station.catalogue.matters import field_view

    set_locale(locale)
    field = next(f for f in m("RS05").fields if f.key == "from_month")
    assert field_view(field).hint == hint  # the input's placeholder
    errors = validate_answers(m("RS05"), {"from_month": "2024/1"}, today=TODAY)
    assert hint in errors["from_month"]


# ── eligibility ──


def test_old_age_allowance_from_65_with_household():
    too_young = check_eligibility(m("MZ01"), age=64, household=True)
    assert not too_young.ok and "65" in too_young.reasons[0]
    assert check_eligibility(m("MZ01"), age=65, household=True).ok
    outsider = check_eligibility(m("MZ01"), age=70, household=False, permit=True)
    assert not outsider.ok and "户籍" in outsider.reasons[0]


def test_unknowns_become_questions_not_refusals():
    result = check_eligibility(m("MZ01"), age=70)
    assert result.ok and result.reasons == []
    assert any("户籍" in q for q in result.to_confirm)
    result = check_eligibility(m("TY01"), age=50, household=True)
    assert result.ok and any("退役军人" in q for q in result.to_confirm)


def test_flags_once_answered_are_checked():
    assert check_eligibility(m("TY01"), age=50, household=True, flags={"veteran"}).ok
    result = check_eligibility(m("TY01"), age=50, household=True, flags=set())
    assert not result.ok and "退役军人" in result.reasons[0]


def test_disability_and_age_ceiling():
    assert not check_eligibility(m("CL02"), age=40, household=True, disabled=False).ok
    assert check_eligibility(m("CL02"), age=40, household=True, disabled=True).ok
    result = check_eligibility(m("RS01"), age=61, household=True, flags={"unemployed"})
    assert not result.ok and "60" in result.reasons[0]


def test_household_or_permit():
    rule = m("WJ01")
    assert check_eligibility(rule, age=30, household=False, permit=True).ok
    assert not check_eligibility(rule, age=30, household=False, permit=False).ok
    assert check_eligibility(rule, age=30, household=False).to_confirm


def test_reasons_in_english():
    set_locale("en")
    result = check_eligibility(m("MZ01"), age=60, household=True)
    assert result.reasons == ["Must be at least 65 years old (is 60)"]


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_ALL = [(mt.code, f.key) for mt in load_catalogue().matters for f in mt.fields]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(_ALL), st.text(max_size=40), st.sampled_from([None, "centre", "post"]))
def test_any_typed_text_gives_a_sentence_never_a_crash(target, text, delivery):
    code, key = target
    errors = validate_answers(m(code), {key: text}, delivery=delivery, today=TODAY)
    assert all(isinstance(v, str) and v for v in errors.values())
