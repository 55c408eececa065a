"""Every command explains itself, and `station doctor` finishes on a bare machine."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import click
from click.testing import CliRunner

from station.cli import cli


def _walk(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, command in sorted(group.commands.items()):
        path = (*prefix, name)
        yield path, command
        if isinstance(command, click.Group):
            yield from _walk(command, path)


def test_every_command_has_help_text():
    runner = CliRunner()
    seen = 0
    for path, command in _walk(cli):
        seen += 1
        assert (command.help or "").strip(), f"`station {' '.join(path)}` has no help text"
        for param in command.params:
            if isinstance(param, click.Option) and not param.hidden:
                assert (param.help or "").strip(), f"station {path} {param.opts}: no help"
        result = runner.invoke(cli, [*path, "--help"])
        assert result.exit_code == 0, result.output
        assert "用法：" in result.output or "Usage:" in result.output  # zh_CN is the default
    assert seen >= 3
    assert runner.invoke(cli, ["--help"]).exit_code == 0


def test_doctor_runs_cleanly_without_reader_or_printer(tmp_path):
    # No pcscd and no CUPS server reachable: point both clients at sockets that do not exist.
    # A fresh process, because libpcsclite reads its socket name once per process.
    env = dict(os.environ, PCSCLITE_CSOCK_NAME=str(tmp_path / "no-pcscd.comm"),
               CUPS_SERVER=str(tmp_path / "no-cups.sock"))
    result = subprocess.run([sys.executable, "-c", "from station.cli import main; main()",
                             "doctor", "--json"], env=env, capture_output=True, text=True,
                            timeout=300, check=False)
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr
    checks = json.loads(result.stdout)
    names = {c["name"] for c in checks}
    assert {"python", "data_dir", "cjk_font", "disk"} <= names
    assert all(c["status"] in ("ok", "warn", "fail") for c in checks)
    assert all(c["detail"] for c in checks)
    assert all(c["hint"] for c in checks if c["status"] != "ok")
    by = {c["name"]: c for c in checks}
    assert by["cjk_font"]["status"] == "ok"
    # It says, in words, that there is no card service and no print service.
    assert by["pcscd"]["status"] != "ok" and "pcscd" in by["pcscd"]["detail"]
    assert by["cups"]["status"] != "ok" and "CUPS" in by["cups"]["detail"]
