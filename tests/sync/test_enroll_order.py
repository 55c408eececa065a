"""`station enroll` spends the one-time code only when it can succeed: a wrong staff name
or passphrase is refused first and the same code still works; a staff *name* is as good
as an id (issue 17: `--staff 李强` used the code, then crashed with UnknownSlotError)."""

from __future__ import annotations

from click.testing import CliRunner

from station.cli import cli
from tests.sync.syncrig import STAFF_PASS, Centre, add_cases, make_station


def test_refusals_keep_the_code_and_a_staff_name_works(centre: Centre) -> None:
    queue = make_station()  # staff s01 is named 张 in the config
    add_cases(queue, 3)
    queue.close()
    code = centre.enrol_code("徐汇-01")
    runner = CliRunner()

    out = runner.invoke(cli, ["enroll", centre.url, code, "--staff", "李强"],
                        env={"STATION_PASSPHRASE": STAFF_PASS})
    assert out.exit_code == 1 and "没有这位工作人员：李强" in out.output
    assert "登记码尚未使用" in out.output and "Traceback" not in out.output

    out = runner.invoke(cli, ["enroll", centre.url, code, "--staff", "张"],
                        env={"STATION_PASSPHRASE": "not the passphrase"})
    assert out.exit_code == 1 and "口令不正确" in out.output and "登记码尚未使用" in out.output

    out = runner.invoke(cli, ["enroll", centre.url, code, "--staff", "张"],
                        env={"STATION_PASSPHRASE": STAFF_PASS})
    assert out.exit_code == 0, out.output
    assert "已在中心登记" in out.output and "3 条记录已封存" in out.output


def test_a_spent_code_is_said_plainly(centre: Centre) -> None:
    make_station().close()
    code = centre.enrol_code("徐汇-01")
    runner = CliRunner()
    env = {"STATION_PASSPHRASE": STAFF_PASS}
    assert runner.invoke(cli, ["enroll", centre.url, code, "--staff", "s01"],
                         env=env).exit_code == 0
    again = runner.invoke(cli, ["enroll", centre.url, code, "--staff", "s01"], env=env)
    assert again.exit_code == 1 and "Traceback" not in again.output
