"""GB 11643 rules: valid numbers decode; every mutation and malformed input is refused."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pycountry
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from station.cli import cli
from station.people import IdNumberError, check_char, mask_id, normalise, parse_id, upgrade_15

TODAY = date(2026, 11, 22)
REGIONS = ["310101", "310115", "110105", "440305", "650102", "810000", "820000", "830000"]


def make_id(region: str, birth: date, seq: int) -> str:
    first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_char(first17)


births = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)
valid_ids = st.builds(make_id, st.sampled_from(REGIONS), births, st.integers(0, 999))


def test_check_char_matches_known_numbers():
    # The GB 11643-1999 worked example and a number ending in X.
    assert check_char("11010519491231002") == "X"
    assert check_char("44052418800101001") == "4"


@settings(deadline=None)  # per-example timing is no check: neighbours slow any example
@given(valid_ids)
def test_valid_numbers_decode(number):
    rid = parse_id(number, on=TODAY)
    assert rid.number == number
    assert rid.birth_date == date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    assert rid.sex == ("M" if int(number[16]) % 2 else "F")
    assert 0 <= rid.age(TODAY) <= 127
    assert rid.masked == number[:6] + "********" + number[-4:]


@settings(max_examples=60, deadline=None)
@given(valid_ids, st.data())
def test_every_single_character_mutation_is_refused(number, data):
    for position in range(18):
        alphabet = "0123456789X" if position == 17 else "0123456789"
        for replacement in alphabet:
            if replacement == number[position]:
                continue
            mutated = number[:position] + replacement + number[position + 1:]
            with pytest.raises(IdNumberError):
                parse_id(mutated, on=TODAY)


def test_mutating_only_the_check_digit_names_the_expected_one():
    number = make_id("310101", date(1945, 3, 8), 123)
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    with pytest.raises(IdNumberError) as err:
        parse_id(wrong, on=TODAY)
    assert err.value.reason == "check"
    assert number[17] in err.value.message()


@settings(deadline=None)
@given(st.text(max_size=25))
def test_malformed_input_never_crashes(text):
    try:
        rid = parse_id(text, on=TODAY)
    except IdNumberError as err:
        assert err.message()
        assert normalise(text) == "" or err.reason != "empty"
    else:
        assert len(rid.number) in (15, 18)


@pytest.mark.parametrize(("text", "reason"), [
    ("", "empty"), ("   ", "empty"), ("31010119450308", "length"),
    ("3101011945030812345", "length"), ("31010119450308123A", "chars"),
    ("31010119450230123" + "0", "date"), ("31010120990101123" + "0", "future"),
    ("93115619451308123" + "0", "date"), ("00010119450308123" + "0", "region"),
])
def test_each_kind_of_mistake_has_its_reason(text, reason):
    if reason in ("date", "future", "region") and len(text) == 18:
        text = text[:17] + check_char(text[:17])
    with pytest.raises(IdNumberError) as err:
        parse_id(text, on=TODAY)
    assert err.value.reason == reason
    if text.strip():
        assert text.strip() not in str(err.value)


def test_error_text_never_contains_the_number():
    number = make_id("310101", date(1945, 3, 8), 123)
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    with pytest.raises(IdNumberError) as err:
        parse_id(wrong, on=TODAY)
    assert number[:17] not in err.value.message()
    assert number[:17] not in str(err.value)


def test_fifteen_digit_numbers_upgrade():
    old = "310101450308123"
    rid = parse_id(old, on=TODAY)
    assert rid.number == upgrade_15(old) == make_id("310101", date(1945, 3, 8), 123)


def test_full_width_spaces_and_lower_x_are_accepted():
    number = make_id("110105", date(1949, 12, 31), 2)
    assert number.endswith("X")
    typed = " ".join(number[:6]) + "－" + number[6:-1] + "x"
    typed = typed.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert parse_id(typed, on=TODAY).number == number


def test_document_kinds():
    assert parse_id(make_id("810000", date(1990, 1, 1), 11), on=TODAY).kind == "hk_macau"
    assert parse_id(make_id("820000", date(1990, 1, 1), 11), on=TODAY).kind == "hk_macau"
    assert parse_id(make_id("830000", date(1990, 1, 1), 11), on=TODAY).kind == "taiwan"
    assert parse_id(make_id("931156", date(1990, 1, 1), 11), on=TODAY).kind == "foreign_permanent"
    assert parse_id(make_id("310101", date(1990, 1, 1), 11), on=TODAY).kind == "resident"


@pytest.mark.parametrize(("birth", "on", "age"), [
    (date(1946, 11, 22), date(2026, 11, 21), 79),
    (date(1946, 11, 22), date(2026, 11, 22), 80),
    (date(1944, 2, 29), date(2024, 2, 28), 79),
    (date(1944, 2, 29), date(2024, 2, 29), 80),
    (date(1948, 2, 29), date(2027, 2, 28), 78),
    (date(1948, 2, 29), date(2027, 3, 1), 79),
])
def test_age_around_birthdays_and_leap_days(birth, on, age):
    assert parse_id(make_id("310101", birth, 5), on=on).age(on) == age


def test_born_today_is_valid_born_tomorrow_is_not():
    assert parse_id(make_id("310101", TODAY, 5), on=TODAY).age(TODAY) == 0
    with pytest.raises(IdNumberError) as err:
        parse_id(make_id("310101", TODAY + timedelta(days=1), 5), on=TODAY)
    assert err.value.reason == "future"


def test_mask():
    assert mask_id("310101194503081234") == "310101********1234"
    assert mask_id("123") == "***"


def test_cli_valid_json():
    number = make_id("310101", date(1945, 3, 8), 123)
    result = CliRunner().invoke(cli, ["id", "check", number, "--on", "2026-11-22", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data == {"valid": True, "kind": "resident", "birth_date": "1945-03-08", "sex": "M",
                    "age": 81, "masked": "310101********" + number[-4:], "error": None,
                    "reason": None}


@settings(max_examples=25, deadline=None)
@given(valid_ids, st.integers(0, 16), st.integers(1, 9))
def test_cli_agrees_with_rules_on_mutations(number, position, shift):
    mutated = number[:position] + str((int(number[position]) + shift) % 10) + number[position + 1:]
    result = CliRunner().invoke(cli, ["id", "check", mutated, "--on", "2026-11-22", "--json"])
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["valid"] is False and data["error"]


def test_cli_invalid_human_message():
    result = CliRunner().invoke(cli, ["id", "check", "12345"])
    assert result.exit_code == 1
    assert "18 位" in result.output


# ── foreigner permanent residence cards ─────────────────────────────────────────────────
# 2023 edition (国家移民管理局, https://www.nia.gov.cn/20231013/2.pdf, as reproduced at
# http://www.eastcoms.com/service/pro/840.html): 9 + 受理地 (2) + ISO 3166-1 numeric
# nationality (3) + YYYYMMDD + sequence (3) + MOD 11-2 check.


def test_the_2023_card_example_from_the_immigration_notice():
    # The notice's worked example as quoted in public code: 9 32 682 19850101 001 7
    # (issued in 江苏, Saudi Arabia, born 1985-01-01).
    rid = parse_id("932682198501010017", on=TODAY)
    assert (rid.kind, rid.birth_date, rid.sex) == ("foreign_permanent", date(1985, 1, 1), "M")


def make_2023(province: str, country: str, birth: date, seq: int) -> str:
    first17 = f"9{province}{country}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_char(first17)


@pytest.mark.parametrize(("province", "country", "reason"), [
    ("99", "840", "region"),    # no such province
    ("00", "840", "region"),
    ("31", "000", "nationality"),  # not an ISO 3166-1 numeric code
    ("31", "999", "nationality"),
])
def test_the_2023_card_checks_its_issuing_place_and_nationality(province, country, reason):
    with pytest.raises(IdNumberError) as err:
        parse_id(make_2023(province, country, date(1980, 5, 6), 12), on=TODAY)
    assert err.value.reason == reason


# 2017 edition: 3 Latin letters (the nationality, ISO 3166-1 alpha-3) + 12 digits: issuing place
# (4), YYMMDD, sequence (1), check (1) — layout from howardli/CredentialKit
# ForeignerPermanentResidenceIdNumberProcessor.java; the notice above: "3 位拉丁字母+12 位数字".


def test_a_2017_card_is_accepted_and_decoded():
    rid = parse_id("usa 3101 850115 1 2", on=TODAY)
    assert rid.number == "USA310185011512"
    assert (rid.kind, rid.birth_date, rid.sex) == ("foreign_permanent", date(1985, 1, 15), None)
    assert rid.age(TODAY) == 41
    # Its last four digits hold part of the birth date, so the mask keeps only the last two.
    assert rid.masked == "USA3101******12" and "0115" not in rid.masked


def test_the_2017_card_reads_two_digit_years_as_its_issuing_years_allow():
    # Issued until 2023-11-30: 05 is 2005 (a child), 24 can only be 1924.
    assert parse_id("DEU310105060712", on=TODAY).birth_date == date(2005, 6, 7)
    assert parse_id("DEU310124060712", on=TODAY).birth_date == date(1924, 6, 7)
    # Before the child was born, the same number is read in the earlier century.
    assert parse_id("DEU310105060712", on=date(2004, 1, 1)).birth_date == date(1905, 6, 7)


@pytest.mark.parametrize(("text", "reason"), [
    ("XXA310185011512", "nationality"),   # ICAO-only code, not ISO 3166-1
    ("ZZZ310185011512", "nationality"),
    ("USA990185011512", "region"),
    ("USA310185131512", "date"),          # month 13
    ("USA310101022912", "date"),          # 29 Feb 2001 / 1901: neither exists
    ("USA31018501151X", "chars"),         # 12 digits, no X
    ("U5A310185011512", "chars"),
    ("USA3101850115123", "length"),
])
def test_each_mistake_on_a_2017_card_has_its_reason(text, reason):
    with pytest.raises(IdNumberError) as err:
        parse_id(text, on=TODAY)
    assert err.value.reason == reason
    assert text not in err.value.message()
    if reason == "date":
        assert "8–13" in err.value.message()


alpha3 = st.sampled_from(sorted(c.alpha_3 for c in pycountry.countries))
births_2017 = st.dates(min_value=date(1924, 1, 1), max_value=date(2023, 11, 30))


@settings(max_examples=80, deadline=None)
@given(alpha3, st.sampled_from(["3101", "1101", "4403", "6501"]), births_2017,
       st.integers(0, 9), st.integers(0, 9))
def test_every_iso_country_and_birth_date_on_a_2017_card_decodes(code, place, birth, seq, chk):
    number = f"{code}{place}{birth:%y%m%d}{seq}{chk}"
    rid = parse_id(number, on=TODAY)
    assert rid.number == number and rid.sex is None
    assert rid.birth_date == birth


def test_cli_on_a_2017_card():
    result = CliRunner().invoke(cli, ["id", "check", "JPN310185011512", "--on", "2026-11-22",
                                      "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["kind"], data["birth_date"], data["sex"]) == ("foreign_permanent",
                                                               "1985-01-15", None)
    human = CliRunner().invoke(cli, ["id", "check", "JPN310185011512", "--on", "2026-11-22"])
    assert human.exit_code == 0 and "性别以证件为准" in human.output
