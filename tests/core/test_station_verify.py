"""Issue 16 at the desk: a flipped metadata byte is reported by `station verify` and shown
as damaged in `case list` (which still lists the day); case numbers never repeat."""

from __future__ import annotations

import json
import sqlite3
import stat

from click.testing import CliRunner

from station import paths
from station.cli import cli
from tests.support.station import ELDER_ID, ELDER_NAME, PASS

ENV = {"STATION_PASSPHRASE": PASS}


def run(*args: str, env: dict | None = None):
    return CliRunner().invoke(cli, list(args), env=ENV if env is None else env)


def mz01() -> list[str]:
    return ["case", "add", "--matter", "MZ01", "--id-number", ELDER_ID, "--name", ELDER_NAME,
            "--field", "phone=13812345678", "--field", "payout=社保卡（敬老卡）",
            "--material", "id", "--material", "form",
            "--confirm-duplicate", "同一居民的测试件"]  # several on purpose


def _station_with_cases(n: int) -> list[str]:
    assert run("init", "--name", "测试办事厅", "--site", "新成村", "--staff", "王芳",
               "--printer", "pdf", "--reader", "simulated").exit_code == 0
    numbers = []
    for _ in range(n):
        result = run(*mz01())
        assert result.exit_code == 0, result.output
        numbers.append(result.stdout.strip().splitlines()[0])
    return numbers


def _sql(sql: str, *args) -> None:
    db = sqlite3.connect(paths.queue_file())
    db.execute(sql, args)
    db.commit()
    db.close()


def test_a_clean_station_verifies():
    _station_with_cases(2)
    result = run("verify", env={})
    assert result.exit_code == 0, result.output
    assert "未发现问题" in result.output
    result = run("verify", "--json", "--staff", "王芳")  # local copies' tags checked too
    report = json.loads(result.output)
    assert result.exit_code == 0 and report["ok"] and report["local_copies_checked"]
    assert report["findings"] == []


def test_a_flipped_metadata_byte_is_reported_and_the_day_still_lists():
    numbers = _station_with_cases(3)
    db = sqlite3.connect(paths.queue_file())
    seq, rid, meta = db.execute("SELECT seq, record_id, meta FROM records WHERE kind = 'case' "
                                "AND json_extract(meta, '$.case_no') = ?",
                                (numbers[1],)).fetchone()
    db.close()
    assert '"accepted"' in meta
    _sql("UPDATE records SET meta = ? WHERE seq = ?", meta.replace("accepted", "accepued"), seq)

    result = run("verify", env={})
    assert result.exit_code == 1
    assert f"序号 {seq}" in result.output and rid in result.output
    assert "与审计链不符" in result.output
    assert ELDER_NAME not in result.output and ELDER_ID not in result.output
    report = json.loads(run("verify", "--json", env={}).output)
    assert not report["ok"]
    [finding] = report["findings"]
    assert (finding["seq"], finding["record_id"], finding["code"]) == (seq, rid,
                                                                       "clear_altered")
    assert "accepued" not in json.dumps(report)  # what is wrong, never the value

    listed = run("case", "list", "--json", env={})
    assert listed.exit_code == 0, listed.output
    rows = {r["case_no"]: r for r in json.loads(listed.output)}
    assert set(rows) == set(numbers)  # the whole day, the damaged row included
    assert rows[numbers[1]]["status"] == "damaged"
    assert rows[numbers[1]]["status_label"] == "记录已损坏"
    assert {rows[n]["status"] for n in (numbers[0], numbers[2])} == {"accepted"}
    plain = run("case", "list", env={})
    assert plain.exit_code == 0 and "记录已损坏" in plain.output

    doctor = run("doctor", "--json", env={})
    [check] = [c for c in json.loads(doctor.output) if c["name"] == "queue_integrity"]
    assert check["status"] == "fail" and "station verify" in check["hint"]


def test_an_unsent_row_marked_acknowledged_is_reported():
    _station_with_cases(2)
    _sql("UPDATE records SET state = 2 WHERE seq = (SELECT max(seq) FROM records)")
    result = run("verify", "--json", env={})
    assert result.exit_code == 1
    [finding] = json.loads(result.output)["findings"]
    assert finding["code"] == "state_unacked"
    listed = json.loads(run("case", "list", "--json", env={}).output)
    assert [r["status"] for r in listed].count("damaged") == 1


def test_malformed_metadata_never_stops_the_list():
    numbers = _station_with_cases(2)
    _sql("UPDATE records SET meta = '{\"case_no\":' WHERE json_extract(meta, '$.case_no') = ?",
         numbers[0])
    listed = run("case", "list", "--json", env={})
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.output)
    assert len(rows) == 2 and {r["status"] for r in rows} == {"damaged", "accepted"}
    assert run("verify", env={}).exit_code == 1


def test_case_numbers_are_not_reused_after_a_row_is_deleted():
    numbers = _station_with_cases(3)
    assert [n[-3:] for n in numbers] == ["001", "002", "003"]
    _sql("DELETE FROM records WHERE json_extract(meta, '$.case_no') = ?", numbers[2])
    result = run(*mz01())
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines()[0].endswith("-004")
    assert run("verify", env={}).exit_code == 1  # the missing row is a sequence gap


def test_verify_reports_files_others_can_read():
    _station_with_cases(1)
    assert run("verify", env={}).exit_code == 0
    paths.config_file().chmod(0o644)
    result = run("verify", "--json", env={})
    assert result.exit_code == 1
    [finding] = json.loads(result.output)["findings"]
    assert finding["area"] == "file" and finding["detail"] == str(paths.config_file())
    # reported, and made the station's own again as it opened its files
    assert stat.S_IMODE(paths.config_file().stat().st_mode) == 0o600
    assert run("verify", env={}).exit_code == 0
