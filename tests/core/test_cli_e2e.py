"""The station's commands end to end, on a station of their own (STATION_HOME)."""

from __future__ import annotations

import json
import sqlite3
import subprocess

from click.testing import CliRunner

from station import paths
from station.cli import cli
from station.outing import outing_file
from tests.support.station import ELDER_ID, ELDER_NAME, PASS

ENV = {"STATION_PASSPHRASE": PASS}


def run(*args: str, env: dict | None = None, input: str | None = None):
    return CliRunner().invoke(cli, list(args), env=ENV if env is None else env, input=input)


def case_count() -> int:
    if not paths.queue_file().exists():
        return 0
    db = sqlite3.connect(paths.queue_file())
    try:
        return db.execute("SELECT count(*) FROM records WHERE kind = 'case'").fetchone()[0]
    finally:
        db.close()


def mz01(*extra: str) -> list[str]:
    return ["case", "add", "--matter", "MZ01", "--id-number", ELDER_ID, "--name", ELDER_NAME,
            "--field", "phone=13812345678", "--field", "payout=社保卡（敬老卡）", *extra]


def test_init_staff_case_list_show_print(tmp_path):
    result = run("init", "--name", "测试办事厅", "--site", "新成村", "--site", "嘉乐",
                 "--staff", "王芳", "--printer", "pdf", "--reader", "simulated", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["staff"] == {"id": "s01", "name": "王芳"}

    again = run("init", "--name", "x", "--site", "y", "--staff", "z")
    assert again.exit_code == 1 and "不能重复设置" in again.output

    result = run("staff", "add", "李明", "--passphrase-stdin", env={},
                 input=f"{PASS}\nsecond passphrase\n")
    assert result.exit_code == 0, result.output
    assert "s02" in result.output
    listed = run("staff", "list", "--json", env={})
    assert json.loads(listed.output) == [{"id": "s01", "name": "王芳"},
                                         {"id": "s02", "name": "李明"}]

    result = run(*mz01("--material", "id", "--material", "form"), "--staff", "李明",
                 env={"STATION_PASSPHRASE": "second passphrase"})
    assert result.exit_code == 0, result.output
    case_no = result.stdout.strip().splitlines()[0]
    assert case_no.endswith("-001")

    # The same resident and matter again today: refused with the warning, then recorded
    # with the reason given.
    refused = run(*mz01("--material", "id", "--json"))
    assert refused.exit_code == 1 and "同一事项" in refused.output and case_count() == 1
    result = run(*mz01("--material", "id", "--json", "--confirm-duplicate", "补交前先登记"))
    # 申请登记表 missing → 一次性告知单
    assert result.exit_code == 0, result.output
    pending = json.loads(result.output)
    assert pending["status"] == "materials_pending" and pending["missing"] == ["form"]
    assert pending["document"] == "notice" and pending["pdf"].startswith(str(paths.print_dir()))

    result = run("case", "list", "--json", env={})  # no passphrase needed: metadata only
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [r["case_no"] for r in rows][1] == case_no
    assert {r["staff"] for r in rows} == {"s01", "s02"}
    assert ELDER_NAME not in result.output and ELDER_ID not in result.output

    result = run("case", "show", case_no, "--json")
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["resident"]["name"] == ELDER_NAME
    assert shown["resident"]["id_masked"] == "310101********0013"
    assert ELDER_ID not in result.output
    result = run("case", "show", case_no)
    assert result.exit_code == 0 and "敬老卡申领" in result.output

    pdf = tmp_path / "receipt.pdf"
    result = run("print", "receipt", case_no, "--pdf", str(pdf))
    assert result.exit_code == 0, result.output
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout
    assert "敬老卡申领" in text and "310101********0013" in text
    assert ELDER_ID not in text and case_no in text


def test_bad_input_exits_1_and_stores_nothing():
    assert run("init", "--name", "厅", "--site", "新成村", "--staff", "王芳", "--printer",
               "pdf", "--reader", "simulated").exit_code == 0
    before = case_count()
    cases = [
        ([*mz01()[:5], "310101193803120014", "--name", ELDER_NAME], "最后一位应为 3"),
        (mz01("--delivery", "post"), "居住地址"),
        (["case", "add", "--matter", "XX99", "--id-number", ELDER_ID, "--name", ELDER_NAME],
         "XX99"),
        (mz01("--field", "phone"), "键=值"),
        (mz01("--material", "nonsense"), "nonsense"),
        (mz01("--agent-id", ELDER_ID, "--agent-relation", "本人"), "代办人不能是居民本人"),
    ]
    for args, expected in cases:
        result = run(*args)
        assert result.exit_code == 1, (args, result.output)
        assert expected in result.output, (args, result.output)
        assert "Traceback" not in result.output
    assert case_count() == before == 0
    assert not outing_file().exists()  # the outing is chosen only once input is valid
    assert run(*mz01(), env={}).exit_code == 1  # no passphrase anywhere
    wrong = run(*mz01(), env={"STATION_PASSPHRASE": "not the passphrase"})
    assert wrong.exit_code == 1 and "口令不正确" in wrong.output
    assert case_count() == 0


def test_english_interface():
    assert run("--lang", "en", "init", "--name", "Hall", "--site", "新成村", "--staff", "Wang",
               "--printer", "pdf", "--reader", "simulated").exit_code == 0
    result = run("--lang", "en", *mz01()[:-4])  # phone and payout missing
    assert result.exit_code == 1 and "required" in result.output
    listed = run("--lang", "en", "case", "list", env={})
    assert listed.exit_code == 0 and "No cases on that day yet." in listed.output
    ok = run("--lang", "en", *mz01("--material", "id", "--material", "form"))
    assert ok.exit_code == 0 and "Receipt saved as PDF" in ok.stderr
