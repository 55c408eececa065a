"""Rare given names (生僻字) on every paper: each character is on the page, as pdftotext
reads it back, or the paper is refused naming the code point — never a silent drop.

The names: 𠀀 U+20000 (Ext B, first), 䶮 U+4DAE (Ext A), 㐀 U+3400 (Ext A, first),
丽 U+4E3D, 𪚥 U+2A6A5 (Ext B), 𰻞 U+30EDE (Ext G, biángbiáng 面).
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from station.documents import (
    Media,
    render_notice,
    render_receipt,
    render_run_sheet,
    render_slip,
)
from station.documents.coverage import (
    GlyphMissing,
    block_coverage,
    face_cmap,
    find_fallbacks,
)
from station.documents.fonts import FontBook, find_cjk_font
from tests.documents.pdfcheck import flat, pdf_text
from tests.documents.samples import notice_data, receipt_data, run_sheet_data, slip_data

RARE_NAMES = ("𠀀䶮", "㐀丽", "𪚥", "𰻞𰻞面")


def papers(name: str):
    sheet = run_sheet_data()
    stops = (replace(sheet.stops[0], resident_name=name), *sheet.stops[1:])
    return {
        "receipt": lambda m: render_receipt(receipt_data(resident_name=name, agent_name=name), m),
        "notice": lambda m: render_notice(notice_data(resident_name=name), m),
        "slip": lambda m: render_slip(slip_data(resident_name=name), m),
        "run_sheet": lambda m: render_run_sheet(replace(sheet, stops=stops), m),
    }


def unprintable() -> int:
    """A code point no installed face draws: Ext I (Unicode 15.1), else plane-15 private use."""
    faces = [find_cjk_font(), *find_fallbacks()]
    cmaps = [face_cmap(f.path, f.index) for f in faces]
    for cp in (0x2EBF0, 0x2EC00, 0xF0000, 0x10FFFD):
        if not any(cp in c for c in cmaps):
            return cp
    raise AssertionError("every candidate code point is drawn by some installed face")


@pytest.mark.slow  # a sweep: every rare name on every paper size, a PDF each
@pytest.mark.parametrize("media", [Media.A4, Media.ROLL80])
@pytest.mark.parametrize("name", RARE_NAMES)
def test_every_character_of_a_rare_name_is_on_every_paper(name, media):
    for kind, render in papers(name).items():
        text = flat(pdf_text(render(media)))
        assert name in text, (kind, name, media)


def test_the_fallback_face_is_only_read_when_a_paper_needs_it():
    book = FontBook(find_cjk_font())
    book.check("受理回执 张演示 吴䶮")  # GB 2312 and Ext A: Noto Sans CJK alone
    assert book._fallbacks is None and book._cuts == {}
    full, extra = book.plan("受理回执 𠀀䶮")
    assert full == {ord(c) for c in "受理回执䶮"}  # cut from Noto Sans CJK itself
    assert [(f.label, sorted(chars)) for f, chars in extra.items()] == [("HanaMinB", [0x20000])]
    assert book.plan("张演示") == (frozenset(), {})


def test_a_character_no_face_draws_stops_the_paper_with_its_code_point():
    cp = unprintable()
    name = "王" + chr(cp)
    for kind, render in papers(name).items():
        with pytest.raises(GlyphMissing) as caught:
            render(Media.A4)
        message = caught.value.message()
        assert f"U+{cp:04X}" in message, kind
        assert "王" not in message and chr(cp) not in message  # the code, never the name
        assert "已停止打印" in message


def test_invisible_selectors_need_no_glyph_and_never_print_as_a_box():
    name = "葛\U000E0100" + "\u200d"  # an ideographic variation selector, a joiner
    text = flat(pdf_text(render_receipt(receipt_data(resident_name=name))))
    assert "葛" in text and "\U000E0100" not in text


def test_the_installed_faces_cover_extensions_a_to_f_and_part_of_g():
    main = find_cjk_font()
    faces = [("main", face_cmap(main.path, main.index))]
    faces += [(f.label, face_cmap(f.path, f.index)) for f in find_fallbacks()]
    by_block = {c.block: c for c in block_coverage(faces)}
    for block in ("ext_a", "ext_b", "ext_c", "ext_d", "ext_e", "ext_f"):
        assert by_block[block].covered == by_block[block].assigned > 0, block
    # No Debian bookworm package covers all of Ext G; BabelStone Han draws 3 045 of 4 939.
    assert by_block["ext_g"].covered >= 3000
    assert by_block["ext_b"].assigned == 42720  # Blocks.txt's range, Unicode ≥ 13


def test_a_glyph_the_font_lacks_after_all_stops_the_paper_before_output(caplog):
    """Should planning ever miss a character (a bug), fpdf2 would drop it and log it by
    name at output; the renderer's last guard refuses the paper first, with code points."""
    from station.documents.layout import render
    from station.documents.receipt import receipt

    class Blind(FontBook):
        def plan(self, text):
            return frozenset(), {}  # "the common face draws it all": it does not

    with pytest.raises(GlyphMissing) as caught:
        render(receipt(receipt_data(resident_name="吴䶮")), Media.A4, Blind(find_cjk_font()))
    assert "U+4DAE" in caught.value.message()
    assert "䶮" not in caplog.text


def test_doctor_reports_which_face_covers_which_block():
    import json

    from click.testing import CliRunner

    from station.cli import cli

    result = CliRunner().invoke(cli, ["doctor", "--json"])
    checks = {c["name"]: c for c in json.loads(result.stdout)}
    assert checks["cjk_fallback"]["status"] == "ok"
    assert "HanaMinB" in checks["cjk_fallback"]["detail"]
    b = checks["cjk_ext_b"]
    assert b["status"] == "ok" and "42720/42720" in b["detail"] and "HanaMinB 42711" in b["detail"]
    g = checks["cjk_ext_g"]  # partly covered: said, with what happens to a missing character
    assert g["status"] == "warn" and "BabelStone Han" in g["detail"] and "U+" in g["hint"]
    for block in ("ext_a", "ext_c", "ext_d", "ext_e", "ext_f"):
        assert checks[f"cjk_{block}"]["status"] == "ok", checks[f"cjk_{block}"]


def test_doctor_says_when_no_fallback_face_is_installed(monkeypatch):
    from station import doctor
    from station.documents import coverage

    monkeypatch.setattr(coverage, "FALLBACK_FAMILIES", ("No Such Family 404",))
    checks = {c.name: c for c in doctor.check_coverage()}
    assert checks["cjk_fallback"].status == "warn"
    assert "fonts-hanazono" in checks["cjk_fallback"].hint
    assert checks["cjk_ext_b"].status == "warn" and "fonts-hanazono" in checks["cjk_ext_b"].hint
