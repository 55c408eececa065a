"""Rare names typed at the command line (``U+XXXX`` where the input method has no such
character), printed to the PDF-folder printer, and read back with pdftotext: receipt,
一次性告知单, appointment slip and run sheet. A character no installed face draws stops
the paper with its code point while the case and the visit stay stored."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from click.testing import CliRunner

from station import paths
from station.cases import papers
from station.cli import cli
from tests.documents.pdfcheck import flat, pdf_text
from tests.documents.test_rare_names import unprintable
from tests.support.station import ELDER_ID, PASS

ENV = {"STATION_PASSPHRASE": PASS}
DAY = (date.today() + timedelta(days=2)).isoformat()
# (as typed, as it must print)
TYPED = (("U+20000䶮", "𠀀䶮"), ("u+3400丽", "㐀丽"), ("U+2A6A5", "𪚥"),
         ("𰻞U+30EDE面", "𰻞𰻞面"))


def elder_id(n: int) -> str:
    """An 18-digit number born 1936 (80+ on any test day), check digit per GB 11643-1999
    (ISO 7064 MOD 11-2), written out here rather than taken from station.people."""
    body = f"31010119360501{n:03d}"
    weights = [2 ** (17 - i) % 11 for i in range(17)]
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


def run(*args: str):
    return CliRunner().invoke(cli, list(args), env=ENV)


def add_case(name: str, *materials: str):
    extra = [a for m in materials for a in ("--material", m)]
    result = run("case", "add", "--matter", "MZ01", "--id-number", ELDER_ID, "--name", name,
                 "--field", "phone=13812345678", "--field", "payout=社保卡（敬老卡）",
                 # one ID under many spellings of a name: the duplicate warning is expected
                 *extra, "--confirm-duplicate", "同一测试居民的不同写法", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def printed_text(path: str) -> str:
    assert path.startswith(str(paths.print_dir())), path  # the PDF-folder printer's file
    return flat(pdf_text(paths.print_dir() / path.split("/")[-1]))


@pytest.mark.slow  # every rare name through every paper
def test_rare_names_print_whole_through_the_pdf_folder_printer():
    init = run("init", "--name", "测试办事厅", "--site", "新成村", "--staff", "王芳",
               "--printer", "pdf", "--reader", "simulated")
    assert init.exit_code == 0, init.output
    visits = []
    for n, (typed, name) in enumerate(TYPED, 1):
        receipt = add_case(typed, "id", "form")
        assert receipt["document"] == "receipt" and receipt["printed"], receipt
        assert name in printed_text(receipt["pdf"]), name
        notice = add_case(typed, "id")  # 申请登记表 missing → 一次性告知单
        assert notice["document"] == "notice" and notice["printed"], notice
        assert name in printed_text(notice["pdf"]), name
        shown = json.loads(run("case", "show", receipt["case_no"], "--json").stdout)
        assert shown["resident"]["name"] == name

        booked = run("visits", "book", "--id-number", elder_id(n * 2 + 1), "--name", typed,
                     "--address", "新成村 12号 3单元 402室", "--phone", "13912345678",
                     "--matter", "MZ01", "--json")
        assert booked.exit_code == 0, booked.output
        visit = json.loads(booked.stdout)["visit"]
        sched = run("visits", "schedule", visit, "--date", DAY, "--half", "am")
        assert sched.exit_code == 0, sched.output
        visits.append(visit)
        slip = run("visits", "print", "slip", visit)
        assert slip.exit_code == 0, slip.output
        [saved] = paths.print_dir().glob(f"*-slip-{visit}.pdf")
        assert str(saved) in slip.output
        assert name in flat(pdf_text(saved)), name

    sheet = run("visits", "print", "run-sheet", "--date", DAY)
    assert sheet.exit_code == 0, sheet.output
    [saved] = paths.print_dir().glob(f"*-run_sheet-{DAY}.pdf")
    text = flat(pdf_text(saved))
    for _, name in TYPED:
        assert name in text, name


def test_a_name_no_font_can_print_is_refused_in_words_and_kept():
    init = run("init", "--name", "测试办事厅", "--site", "新成村", "--staff", "王芳",
               "--printer", "pdf", "--reader", "simulated")
    assert init.exit_code == 0, init.output
    cp = unprintable()
    code = f"U+{cp:04X}"
    before = set(paths.print_dir().glob("*.pdf")) if paths.print_dir().exists() else set()

    outcome = add_case(f"王{code}", "id", "form")
    assert outcome["printed"] is False and outcome["pdf"] is None
    assert code in outcome["message"] and "已停止打印" in outcome["message"]
    assert "王" not in outcome["message"]
    shown = json.loads(run("case", "show", outcome["case_no"], "--json").stdout)
    assert shown["resident"]["name"] == "王" + chr(cp)  # stored as typed, for a reprint
    assert outcome["case_no"] in papers.awaiting_reprint()

    booked = run("visits", "book", "--id-number", ELDER_ID, "--name", f"王{code}",
                 "--address", "新成村 12号 3单元 402室", "--phone", "13912345678",
                 "--matter", "MZ01", "--json")
    assert booked.exit_code == 0, booked.output
    visit = json.loads(booked.stdout)["visit"]
    assert run("visits", "schedule", visit, "--date", DAY, "--half", "am").exit_code == 0
    slip = run("visits", "print", "slip", visit)
    assert slip.exit_code == 1 and code in slip.output and "王" not in slip.output
    listed = json.loads(run("visits", "list", "--json").stdout)
    assert [row["visit"] for row in listed] == [visit]
    sheet = run("visits", "print", "run-sheet", "--date", DAY)
    assert sheet.exit_code == 1 and code in sheet.output and "王" not in sheet.output
    after = set(paths.print_dir().glob("*.pdf")) if paths.print_dir().exists() else set()
    assert after == before  # no paper short of a character was written anywhere
