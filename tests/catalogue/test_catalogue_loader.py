"""A bad catalogue file is refused with a sentence naming the matter code and the field."""

from __future__ import annotations

import copy
import re
import tomllib

import pytest

from shared.i18n import set_locale
from station.catalogue.loader import default_path, load_catalogue, parse_catalogue
from station.catalogue.model import CatalogueError, CatalogueFileError


@pytest.fixture(scope="module")
def good() -> dict:
    return tomllib.loads(default_path().read_text(encoding="utf-8"))


def matter(data: dict, code: str) -> dict:
    return next(m for m in data["matters"] if m["code"] == code)


def refused(data: dict) -> CatalogueError:
    with pytest.raises(CatalogueError) as info:
        parse_catalogue(data)
    return info.value


def test_good_data_parses(good):
    assert len(parse_catalogue(copy.deepcopy(good)).matters) == len(load_catalogue())


def test_missing_name_names_code_and_field(good):
    data = copy.deepcopy(good)
    del matter(data, "MZ02")["name"]
    err = refused(data)
    assert (err.where, err.field, err.problem) == ("MZ02", "name", "missing")
    text = err.message()
    assert "MZ02" in text and "name" in text and "缺失" in text


def test_a_hint_needs_its_english_text(good):
    data = copy.deepcopy(good)
    field = next(f for f in matter(data, "RS05")["fields"] if f["key"] == "from_month")
    del field["hint_en"]
    err = refused(data)
    assert (err.where, err.field, err.problem) == ("RS05", "fields[0].hint_en", "missing")


def test_unknown_menu(good):
    data = copy.deepcopy(good)
    matter(data, "MZ01")["menus"] = ["老人"]
    err = refused(data)
    assert (err.where, err.field, err.problem) == ("MZ01", "menus", "choice")
    assert "老人" in err.message()


@pytest.mark.parametrize(("value", "problem"), [(-1, "range"), ("5", "type"), (True, "type")])
def test_bad_time_limit(good, value, problem):
    data = copy.deepcopy(good)
    matter(data, "RS02")["time_limit_days"] = value
    err = refused(data)
    assert (err.where, err.field, err.problem) == ("RS02", "time_limit_days", problem)


def test_misspelt_key_is_not_silently_ignored(good):
    data = copy.deepcopy(good)
    matter(data, "YB03")["notez"] = "x"
    err = refused(data)
    assert (err.where, err.field, err.problem) == ("YB03", "notez", "unknown")


def test_unknown_field_type_points_into_the_fields(good):
    data = copy.deepcopy(good)
    matter(data, "ZF01")["fields"][1]["type"] = "email"
    err = refused(data)
    assert err.where == "ZF01" and err.field == "fields[1].type" and err.problem == "choice"


def test_bad_material_form(good):
    data = copy.deepcopy(good)
    matter(data, "CL01")["materials"][0]["form"] = "正本"
    err = refused(data)
    assert (err.where, err.field) == ("CL01", "materials[0].form")


def test_duplicate_code(good):
    data = copy.deepcopy(good)
    matter(data, "MZ03")["code"] = "MZ02"
    err = refused(data)
    assert (err.where, err.field, err.problem) == ("MZ02", "code", "duplicate")


def test_code_must_match_its_line(good):
    data = copy.deepcopy(good)
    matter(data, "MZ06")["line"] = "就业"
    err = refused(data)
    assert (err.where, err.field, err.problem) == ("MZ06", "code", "prefix")
    assert "RS" in err.message()


def test_condition_on_a_field_that_does_not_exist(good):
    data = copy.deepcopy(good)
    matter(data, "MZ01")["fields"][1]["required_if"] = {"field": "payment", "value": "x"}
    err = refused(data)
    assert err.where == "MZ01" and err.problem == "no_such_field"
    assert err.field.endswith("required_if.field")


def test_bad_regex(good):
    data = copy.deepcopy(good)
    matter(data, "TY02")["fields"][1]["pattern"] = "^(\\d{16,19}$"
    err = refused(data)
    assert (err.where, err.field, err.problem) == ("TY02", "fields[1].pattern", "regex")


def test_min_age_above_max_age(good):
    data = copy.deepcopy(good)
    matter(data, "RS01")["eligibility"]["min_age"] = 70
    err = refused(data)
    assert (err.where, err.field) == ("RS01", "eligibility.max_age")


def test_a_menu_nobody_lists_is_refused(good):
    data = copy.deepcopy(good)
    for m in data["matters"]:
        m["menus"] = [x for x in m["menus"] if x != "儿童"] or ["老年人"]
    err = refused(data)
    assert err.problem == "menu_empty" and "儿童" in err.message()


def test_sites_and_centre_are_checked_too(good):
    data = copy.deepcopy(good)
    del data["centre"]["phone"]
    err = refused(data)
    assert (err.where, err.field) == ("centre", "phone")
    data = copy.deepcopy(good)
    data["sites"][2]["code"] = data["sites"][0]["code"]
    assert refused(data).problem == "duplicate"


def test_message_in_english(good):
    data = copy.deepcopy(good)
    matter(data, "SB01")["time_limit_days"] = "twenty"
    err = refused(data)
    set_locale("en")
    text = err.message()
    assert "SB01" in text and "time_limit_days" in text and "integer" in text


def test_str_of_the_error_is_only_the_key(good):
    data = copy.deepcopy(good)
    del matter(data, "MZ02")["name"]
    assert str(refused(data)) == "catalogue.error.entry"


def test_load_from_a_published_path(tmp_path):
    text = published("2027.1.0")
    path = tmp_path / "catalogue.toml"
    path.write_text(text, encoding="utf-8")
    cat = load_catalogue(path)
    assert cat.version == "2027.1.0" and len(cat) == len(load_catalogue())
    assert load_catalogue().version != "2027.1.0"  # the packaged copy is untouched


def test_file_level_problems(tmp_path):
    with pytest.raises(CatalogueFileError) as info:
        load_catalogue(tmp_path / "nope.toml")
    assert info.value.key == "catalogue.error.file"
    bad = tmp_path / "bad.toml"
    bad.write_text('version = "1"\n[[matters]\n', encoding="utf-8")
    with pytest.raises(CatalogueFileError) as info:
        load_catalogue(bad)
    assert info.value.key == "catalogue.error.syntax"
    assert "bad.toml" in info.value.message()


def test_a_text_edit_in_the_file_is_reported_by_code(tmp_path):
    text = default_path().read_text(encoding="utf-8").replace(
        'code = "TY03"', 'code = "TY3"', 1)
    path = tmp_path / "catalogue.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogueError) as info:
        load_catalogue(path)
    assert (info.value.where, info.value.field, info.value.problem) == ("TY3", "code", "format")


PACKAGED = tomllib.loads(default_path().read_text(encoding="utf-8"))["version"]


def published(version: str, day: str = "2027-01-04") -> str:
    """The packaged file as the centre would republish it (a later day than its sources)."""
    text = default_path().read_text(encoding="utf-8")
    text = re.sub(r'(?m)^version = ".*"$', f'version = "{version}"', text, count=1)
    return re.sub(r"(?m)^published = .*$", f"published = {day}", text, count=1)


def test_installing_a_newer_publication_puts_it_in_force(tmp_path):
    from station.catalogue.loader import install_catalogue, installed_path

    assert load_catalogue().version == PACKAGED
    cat = install_catalogue(published("2027.1.1"))
    assert cat.version == "2027.1.1" and load_catalogue().version == "2027.1.1"
    assert installed_path().is_file()


def test_an_older_or_bad_publication_is_refused_and_changes_nothing():
    from station.catalogue.loader import install_catalogue, installed_path

    install_catalogue(published("2027.1.1"))
    with pytest.raises(CatalogueFileError) as info:
        install_catalogue(published("2026.12.9", "2026-12-09"))
    assert info.value.key == "catalogue.error.older"
    bad = published("2027.2.1", "2027-02-01").replace('code = "MZ05"', 'code = "MZ5"', 1)
    with pytest.raises(CatalogueError) as err:
        install_catalogue(bad)
    assert err.value.where == "MZ5"
    assert load_catalogue().version == "2027.1.1"
    # A file damaged on disk later: the desk keeps working on the packaged copy.
    installed_path().write_text("version = ", encoding="utf-8")
    assert load_catalogue().version == PACKAGED


def test_a_publication_dated_before_its_own_sources_were_checked_is_refused():
    from station.catalogue.loader import install_catalogue

    with pytest.raises(CatalogueError) as err:
        install_catalogue(published("2027.1.1", "2026-12-01"))
    assert err.value.field.startswith("sources[") and err.value.problem == "range"
    assert load_catalogue().version == PACKAGED



@pytest.mark.parametrize("bad", ["\x1b[2J", "\u202e", "\x9b", "\u2066"])
def test_a_published_catalogue_with_control_characters_is_refused(bad):
    """A catalogue from the centre is shown on every desk: no terminal control, no
    reordering marks (shared/text.py); line breaks in guidance stay allowed."""
    from station.catalogue.loader import default_path, loads_catalogue
    from station.catalogue.model import CatalogueError

    text = default_path().read_text(encoding="utf-8")
    assert loads_catalogue(text + '\n# a comment\n')  # the shipped one passes
    name = re.search(r'^name = "([^"]+)"', text, re.M).group(1)
    escaped = "".join(f"\\u{ord(c):04X}" for c in bad)  # TOML's own escapes: valid TOML
    hostile = text.replace(f'name = "{name}"', f'name = "{name}{escaped}"', 1)
    with pytest.raises(CatalogueError) as err:
        loads_catalogue(hostile)
    assert err.value.problem == "control_char"
    assert f"U+{ord(bad[0]):04X}" in err.value.message()
