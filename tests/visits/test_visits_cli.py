"""`station visits …` end to end on a station of its own (STATION_HOME in a tmp dir)."""

from __future__ import annotations

import json
from datetime import date, timedelta

from click.testing import CliRunner

from station.cli import cli
from tests.documents.pdfcheck import flat, pdf_text
from tests.support.station import ELDER_ID, PASS, YOUNG_ID

ENV = {"STATION_PASSPHRASE": PASS}
DAY = (date.today() + timedelta(days=2)).isoformat()


def run(*args: str, env: dict | None = None, input: str | None = None):
    return CliRunner().invoke(cli, list(args), env=ENV if env is None else env, input=input)


def book(*extra: str, env: dict | None = None):
    return run("visits", "book", "--id-number", ELDER_ID, "--name", "张演示",
               "--address", "新成村 12号 3单元 402室", "--phone", "13912345678",
               "--matter", "MZ01", *extra, env=env)


def test_book_schedule_plan_list_mark_print(tmp_path):
    init = run("init", "--name", "测试办事厅", "--site", "新成村", "--staff", "王芳",
               "--printer", "pdf", "--reader", "simulated")
    assert init.exit_code == 0, init.output

    refused = run("visits", "book", "--id-number", YOUNG_ID, "--name", "年轻人",
                  "--address", "新成村 1号", "--phone", "13912345678", "--matter", "MZ01")
    assert refused.exit_code == 1 and "80 岁以上" in refused.output
    not_home = book("--matter", "RS01")
    assert not_home.exit_code == 1 and "失业登记" in not_home.output
    no_pass = book(env={"STATION_PASSPHRASE": ""})
    assert no_pass.exit_code == 1 and "口令" in no_pass.output

    booked = book("--json", "--family-name", "张小明", "--family-phone", "13700001234",
                  "--family-relation", "儿子")
    assert booked.exit_code == 0, booked.output
    visit = json.loads(booked.output)["visit"]
    assert json.loads(booked.output)["status"] == "requested"

    sched = run("visits", "schedule", visit, "--date", DAY, "--half", "pm")
    assert sched.exit_code == 0, sched.output
    assert "上门一组" in sched.output
    moved = run("visits", "schedule", visit, "--date", DAY, "--half", "am")
    assert moved.exit_code == 1 and "原因" in moved.output  # moving needs a reason
    moved = run("visits", "schedule", visit, "--date", DAY, "--half", "am", "--reason", "家属改约")
    assert moved.exit_code == 0, moved.output

    listed = run("visits", "list", "--json")
    assert listed.exit_code == 0, listed.output
    [row] = json.loads(listed.output)
    assert row["visit"] == visit and row["status"] == "rescheduled" and row["half"] == "am"
    assert (row["reason"], row["reason_label"], row["source"]) == ("age80", "80 岁以上", "desk")
    assert row["id_masked"] == "310101********0013" and ELDER_ID not in listed.output
    assert "13912345678" not in listed.output

    plan = run("visits", "plan", "--date", DAY, "--json")
    assert plan.exit_code == 0, plan.output
    [half] = json.loads(plan.output)
    assert half["total_walk_minutes"] == 8 and half["visits"][0]["visit"] == visit

    slip = tmp_path / "slip.pdf"
    printed = run("visits", "print", "slip", visit, "--pdf", str(slip))
    assert printed.exit_code == 0, printed.output
    assert "张演示" in flat(pdf_text(slip))
    calls = run("visits", "print", "calls", "--date", DAY)
    assert calls.exit_code == 0 and "电话提醒名单" in calls.output
    assert run("visits", "print", "slip").exit_code == 1

    done = run("visits", "mark", visit, "no-show", "--reason", "家中无人")
    assert done.exit_code == 0 and "未遇" in done.output
    assert run("visits", "list", "--status", "no_show", "--json").output.count(visit) == 1
