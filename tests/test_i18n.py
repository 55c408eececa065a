"""Both locales carry the same keys and placeholders, so switching never breaks a screen."""

from __future__ import annotations

import pytest

from shared import i18n


def test_every_key_exists_in_both_locales():
    msgs = i18n.catalogue()
    zh, en = set(msgs["zh_CN"]), set(msgs["en"])
    assert zh - en == set(), f"missing in en: {sorted(zh - en)}"
    assert en - zh == set(), f"missing in zh_CN: {sorted(en - zh)}"


def test_placeholders_agree_between_locales():
    msgs = i18n.catalogue()
    for key, text in msgs["zh_CN"].items():
        assert i18n.placeholders(text) == i18n.placeholders(msgs["en"][key]), key


def test_lookup_switches_locale_and_formats():
    assert i18n.t("identity.length", length=3).startswith("证件号码")
    i18n.set_locale("en")
    assert i18n.t("identity.length", length=3).startswith("An ID number has 18")
    i18n.set_locale("zh_CN")


def test_unknown_key_is_a_programming_error():
    with pytest.raises(i18n.MissingMessage):
        i18n.t("nowhere.nothing")


def test_unknown_locale_refused():
    with pytest.raises(ValueError):
        i18n.set_locale("fr")
