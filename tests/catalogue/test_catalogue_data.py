"""The packaged catalogue covers exactly the reference matters, and its content is usable."""

from __future__ import annotations

import pytest

from shared.i18n import catalogue as messages
from station.catalogue import model as cat_mod
from station.catalogue.loader import load_catalogue
from station.catalogue.model import FIELD_TYPES, FLAGS, MATERIAL_FORMS
from station.catalogue.search import find_matters
from tests.catalogue.catalogue_expected import (
    EXPECTED,
    LINES,
    MENUS,
    RS02_MIN_INSURED_MONTHS,
    SB02_FEE_WORD,
    SHARED,
    SOURCED,
    parse_shared,
)


def test_reference_list_matches_shared_catalogue_when_present():
    # The embedded copy must not drift from the design document it was copied from.
    if SHARED.exists():
        assert parse_shared(SHARED.read_text(encoding="utf-8")) == EXPECTED
    assert len(EXPECTED) == len(load_catalogue())


def test_exactly_the_reference_matters_in_their_lines_with_their_names():
    cat = load_catalogue()
    got = {m.code: (m.line, m.name) for m in cat.matters}
    assert got == EXPECTED
    assert len(cat) == len(EXPECTED)


def test_eight_lines_in_board_order():
    cat = load_catalogue()
    assert tuple(ln.name for ln in cat.lines) == LINES
    groups = cat.by_line()
    assert tuple(groups) == LINES
    assert sum(len(v) for v in groups.values()) == len(cat)
    for ln in cat.lines:
        assert all(m.code.startswith(ln.prefix) for m in groups[ln.name])


def test_every_menu_lists_something_and_the_named_examples_hold():
    cat = load_catalogue()
    for menu in MENUS:
        assert cat.by_menu(menu), menu
    assert {"妇女", "青年人"} <= set(cat.get("WJ01").menus)
    assert {"儿童", "老年人"} <= set(cat.get("YB01").menus)
    assert cat.get("MZ01").menus == ("老年人",)


def test_the_four_district_named_matters_are_findable_by_their_street_names():
    cat = load_catalogue()
    for words, code in (("敬老卡申领", "MZ01"), ("租赁备案", "ZF01"),
                        ("新版社保卡申领", "SB01"), ("失业补助金申请", "RS03")):
        assert find_matters(cat, words)[0].code == code


def test_each_matter_is_complete():
    cat = load_catalogue()
    for m in cat.matters:
        assert m.name_en and m.menus and m.delivery, m.code
        assert m.time_limit_days >= 0, m.code
        assert m.materials, m.code
        assert all(x.form in MATERIAL_FORMS and x.count >= 1 for x in m.materials), m.code
        assert any(not x.optional for x in m.materials), m.code
        assert all(f.type in FIELD_TYPES for f in m.fields), m.code
        # The contact phone comes first for every matter, required when the result has to
        # travel to the resident (post, home visit), not when it is collected at the centre.
        phone = m.fields[0]
        assert phone.key == "phone" and not phone.required, m.code
        assert phone.required_if is not None and phone.required_if.field == "delivery", m.code
        assert set(phone.required_if.values) == {"post", "visit"}, m.code
        assert set(m.eligibility.flags) <= set(FLAGS), m.code
        assert cat.contact_for(m).phone


def test_instant_matters_and_home_visits_are_plausible():
    cat = load_catalogue()
    instant = {m.code for m in cat.matters if m.time_limit_days == 0}
    assert {"RS01", "RS05", "WJ01", "YB02"} <= instant
    assert cat.get("MZ01").home_visit and cat.get("YB04").home_visit
    assert not cat.get("SB03").home_visit  # PIN set by the holder on the centre's pad


def test_shanghai_rules_the_street_relies_on():
    cat = load_catalogue()
    assert cat.get("CL02").eligibility.disability_required
    assert cat.get("YB04").eligibility.min_age == 60
    assert "veteran" in cat.get("TY01").eligibility.flags


@pytest.mark.parametrize("code", sorted(SOURCED))
def test_materials_and_conditions_agree_with_the_sources(code):
    want = SOURCED[code]
    m = load_catalogue().get(code)
    if "min_age" in want:
        assert (m.eligibility.min_age, m.eligibility.residence) == (want["min_age"],
                                                                    want["residence"])
    required = [x for x in m.materials if not x.optional]
    for word, form in want["needs"]:
        found = [x for x in required if word in x.name]
        assert found, (code, word)
        if form is not None:
            assert found[0].form == form, (code, word)
    for word in want["never"]:
        assert not any(word in x.name for x in m.materials), (code, word)


def test_the_replacement_fee_and_the_benefit_conditions_are_stated():
    cat = load_catalogue()
    assert SB02_FEE_WORD in cat.get("SB02").notes
    rs02 = cat.get("RS02")
    assert rs02.field("insured_months").min == RS02_MIN_INSURED_MONTHS
    assert rs02.field("involuntary").type == "bool"
    assert "unemployed_registered" in rs02.eligibility.flags


def test_guesses_are_marked_for_review():
    cat = load_catalogue()
    flagged = [m.code for m in cat.matters if m.needs_review]
    assert "MZ01" in flagged and "RS03" in flagged
    assert cat.centre.review and all(s.review for s in cat.sites)


def test_sites_and_centre_are_data():
    cat = load_catalogue()
    assert [s.name for s in cat.sites] == ["新成村", "爱里舍", "沧海", "嘉乐"]
    assert cat.site("沧海").code == "canghai"
    assert cat.centre.name and cat.centre.phone and cat.centre.address
    assert cat.version and cat.published.year >= 2026


def test_every_flag_and_menu_has_words_in_both_languages():
    msgs = messages()
    for loc in ("zh_CN", "en"):
        for flag in FLAGS:
            assert f"catalogue.flag.{flag}" in msgs[loc]
        for key in cat_mod.MENU_KEYS.values():
            assert f"catalogue.menu.{key}" in msgs[loc]
        for d in cat_mod.DELIVERY:
            assert f"catalogue.delivery.{d}" in msgs[loc]


def test_get_is_case_insensitive_and_unknown_codes_are_a_station_error():
    import pytest

    from station.catalogue.model import UnknownMatter

    cat = load_catalogue()
    assert cat.get(" mz01 ").code == "MZ01"
    assert "yb03" in cat and "XX99" not in cat
    with pytest.raises(UnknownMatter) as info:
        cat.get("XX99")
    assert "XX99" in info.value.message()


def test_some_matters_send_missing_materials_to_their_own_office():
    cat = load_catalogue()
    own = cat.contact_for(cat.get("CL01"))
    assert own != cat.centre and "残" in own.name and own.phone
    assert cat.contact_for(cat.get("MZ01")) == cat.centre
