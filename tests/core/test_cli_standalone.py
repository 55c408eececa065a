"""The CLI can be used without reading the source: `catalogue show` lists what `case add`
accepts, errors name valid keys and choices, `--staff` takes a name, and every --json
help says what the command prints."""

from __future__ import annotations

import json

from click.testing import CliRunner

from station.cli import cli
from tests.support.station import ELDER_ID, ELDER_NAME, PASS

ENV = {"STATION_PASSPHRASE": PASS}


def run(*args: str, env: dict | None = None):
    return CliRunner().invoke(cli, list(args), env=ENV if env is None else env)


def _init() -> None:
    assert run("init", "--name", "厅", "--site", "新成村", "--staff", "王芳", "--printer", "pdf",
               "--reader", "simulated").exit_code == 0


def test_catalogue_show_lists_fields_and_materials():
    out = run("catalogue", "show", "mz01", "--json", env={})
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    fields = {f["key"]: f for f in data["fields"]}
    assert {"key", "label", "type", "choices", "required", "default"} <= set(fields["payout"])
    assert fields["payout"]["required"] and "本人银行卡" in fields["payout"]["choices"]
    assert fields["bank_account"]["required_if"] == {"field": "payout", "values": ["本人银行卡"]}
    assert "本人银行卡" in fields["bank_account"]["required_when"]
    materials = {m["code"]: m for m in data["materials"]}
    assert materials["id"]["required"] and materials["id"]["when"] == "必交"
    assert not materials["bank"]["required"] and materials["bank"]["when"]
    text = run("catalogue", "show", "MZ01", env={})
    assert text.exit_code == 0 and "payout" in text.output and "--material" in text.output
    unknown = run("catalogue", "show", "XX99", env={})
    assert unknown.exit_code == 1 and "XX99" in unknown.output
    listing = run("catalogue", "--search", "jlk", env={})  # the list still works
    assert listing.exit_code == 0 and "MZ01" in listing.output


def test_case_add_errors_name_keys_choices_and_codes():
    _init()
    out = run("case", "add", "--matter", "MZ01", "--id-number", ELDER_ID, "--name", ELDER_NAME,
              "--field", "pay=x", "--material", "idd")
    assert out.exit_code == 1
    assert ("津贴发放方式：必填（可选：社保卡（敬老卡） / 本人银行卡）；--field 键名 payout"
            in out.output)
    assert "phone / address / payout / bank_account / bank_name" in out.output
    assert "id / form / agent / bank" in out.output


def test_staff_by_name_everywhere_and_json_help_agrees():
    _init()
    out = run("case", "add", "--matter", "MZ01", "--id-number", ELDER_ID, "--name", ELDER_NAME,
              "--field", "payout=社保卡（敬老卡）", "--material", "id", "--material", "form",
              "--staff", "王芳")
    assert out.exit_code == 0, out.output
    case_no = out.stdout.strip()
    for args in (("case", "show", case_no), ("visits", "list"), ("print", "receipt", case_no)):
        done = run(*args, "--staff", "王芳")
        assert done.exit_code == 0, (args, done.output)
    nobody = run("case", "show", case_no, "--staff", "李强")
    assert nobody.exit_code == 1 and "李强" in nobody.output and "Traceback" not in nobody.output
    # visits list: the help says an array, and an array it prints
    assert "JSON 数组" in run("visits", "list", "--help").output
    assert isinstance(json.loads(run("visits", "list", "--json").output), list)
    assert "JSON 数组" in run("case", "list", "--help").output
    assert isinstance(json.loads(run("case", "list", "--json").output), list)
    assert "JSON 对象" in run("case", "show", "--help").output
    assert isinstance(json.loads(run("case", "show", case_no, "--json").output), dict)
