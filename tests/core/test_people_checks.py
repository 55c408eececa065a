"""People on a case: an agent (帮办代办) must be an adult; the same ID under another
name, or the same matter for the same resident twice a day, warns before recording —
staff may go on with a reason, which is kept (encrypted) in the case."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from click.testing import CliRunner

from shared.errors import StationError
from station.cli import cli
from station.errors import LockedError
from station.people import check_char
from station.service import Service
from tests.support.station import ELDER_ID, ELDER_NAME, NOW, PASS, full_mz01


def _id_born(day: date, seq: str = "001") -> str:
    first17 = f"310104{day:%Y%m%d}{seq}"
    return first17 + check_char(first17)


def test_an_agent_must_be_an_adult(service: Service, clock):
    clock.now = NOW  # 2026-11-23
    child = _id_born(date(2015, 3, 1))
    with pytest.raises(StationError) as err:
        service.agent(child, "孙子", "小明")
    assert err.value.key == "intake.agent_minor"
    assert "11 岁" in err.value.message() and "18" in err.value.message()
    with pytest.raises(StationError):  # 18 tomorrow: still a minor today
        service.agent(_id_born(date(2008, 11, 24)), "女儿")
    assert service.agent(_id_born(date(2008, 11, 23)), "女儿").relation == "女儿"  # 18 today
    # a draft built around the façade's agent() is refused by validate/record too
    draft = full_mz01(service)
    from station.people import Agent, parse_id

    minor = Agent(parse_id(child), "孙子", "小明")
    problems = service.validate(dataclasses.replace(draft, agent=minor))
    assert [p.key for p in problems] == ["intake.agent_minor"]
    with pytest.raises(StationError):
        service.record_case(dataclasses.replace(draft, agent=minor))
    assert service.today_cases() == []


def test_duplicates_warn_and_the_reason_is_kept(service: Service):
    draft = full_mz01(service)
    assert service.duplicate_warnings(draft) == []
    first = service.record_case(draft).case
    [same] = service.duplicate_warnings(draft)
    assert "同一事项" in same and first.case_no in same
    renamed = dataclasses.replace(draft, matter="MZ04",
                                  resident=service.resident(ELDER_ID, "张三"))
    warnings = service.duplicate_warnings(renamed)
    assert len(warnings) == 1 and ELDER_NAME in warnings[0] and "其他姓名" in warnings[0]
    again = service.record_case(dataclasses.replace(draft, duplicate_reason="第二张卡遗失补办"))
    assert service.open_case(again.case.case_no).duplicate_reason == "第二张卡遗失补办"
    # withdrawn cases do not count
    service.withdraw(first.case_no, reason="登记错误")
    service.withdraw(again.case.case_no, reason="登记错误")
    assert service.duplicate_warnings(draft) == []
    service.lock()
    with pytest.raises(LockedError):
        service.duplicate_warnings(draft)  # names stay behind the passphrase


def test_cli_refuses_a_duplicate_unless_a_reason_is_given():
    env = {"STATION_PASSPHRASE": PASS}
    runner = CliRunner()
    assert runner.invoke(cli, ["init", "--name", "厅", "--site", "新成村", "--staff", "王芳",
                               "--printer", "pdf", "--reader", "simulated"],
                         env=env).exit_code == 0
    base = ["case", "add", "--matter", "MZ01", "--id-number", ELDER_ID, "--field",
            "payout=社保卡（敬老卡）", "--material", "id", "--material", "form"]
    assert runner.invoke(cli, [*base, "--name", ELDER_NAME], env=env).exit_code == 0
    other = runner.invoke(cli, [*base, "--name", "张三"], env=env)
    assert other.exit_code == 1 and "其他姓名" in other.output and "同一事项" in other.output
    assert "--confirm-duplicate" in other.output
    ok = runner.invoke(cli, [*base, "--name", "张三", "--confirm-duplicate", "身份证已更名",
                             "--json"], env=env)
    assert ok.exit_code == 0, ok.output
    import json

    case_no = json.loads(ok.stdout)["case_no"]
    shown = runner.invoke(cli, ["case", "show", case_no, "--json"], env=env)
    assert json.loads(shown.stdout)["duplicate_reason"] == "身份证已更名"


def test_cli_agent_minor_is_refused_with_a_clear_message():
    env = {"STATION_PASSPHRASE": PASS}
    runner = CliRunner()
    runner.invoke(cli, ["init", "--name", "厅", "--site", "新成村", "--staff", "王芳",
                        "--printer", "pdf", "--reader", "simulated"], env=env)
    child = _id_born(date(date.today().year - 11, 3, 1))
    out = runner.invoke(cli, ["case", "add", "--matter", "MZ01", "--id-number", ELDER_ID,
                              "--name", ELDER_NAME, "--field", "payout=社保卡（敬老卡）",
                              "--agent-id", child, "--agent-relation", "孙子"], env=env)
    assert out.exit_code == 1 and "代办人未成年" in out.output and "Traceback" not in out.output
