"""Every command explains itself, and `station doctor` finishes on a bare machine."""

from __future__ import annotations

import json

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
        assert "Usage:" in result.output
    assert seen >= 3
    assert runner.invoke(cli, ["--help"]).exit_code == 0


def test_doctor_runs_cleanly_without_reader_or_printer(monkeypatch, tmp_path):
    # No pcscd and no CUPS server reachable: point both clients at sockets that do not exist.
    monkeypatch.setenv("PCSCLITE_CSOCK_NAME", str(tmp_path / "no-pcscd.comm"))
    monkeypatch.setenv("CUPS_SERVER", str(tmp_path / "no-cups.sock"))
    result = CliRunner().invoke(cli, ["doctor", "--json"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    checks = json.loads(result.output)
    names = {c["name"] for c in checks}
    assert {"python", "data_dir", "cjk_font", "disk"} <= names
    assert all(c["status"] in ("ok", "warn", "fail") for c in checks)
    assert all(c["detail"] for c in checks)
    assert all(c["hint"] for c in checks if c["status"] != "ok")
    assert "Traceback" not in result.output
    by = {c["name"]: c for c in checks}
    assert by["cjk_font"]["status"] == "ok"
    # It says, in words, that there is no card service and no print service.
    assert by["pcscd"]["status"] != "ok" and "pcscd" in by["pcscd"]["detail"]
    assert by["cups"]["status"] != "ok" and "CUPS" in by["cups"]["detail"]
