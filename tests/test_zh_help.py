"""One language at a time: in zh mode every `station` and `center` command's --help, and
Click's own texts and errors, hold no English word beyond an allow-list of codes, units,
product and format names, and the command and option names themselves."""

from __future__ import annotations

import re

import click
import pytest
from click.testing import CliRunner

# Names a staff member types or reads as they are: formats, products, protocols, units.
ALLOWED = {
    "PDF", "CUPS", "JSON", "CSV", "QR", "ID", "TLS", "SHA", "HPKE", "URL", "UUID", "PC", "SC",
    "PCSC", "ML", "KEM", "X25519", "Ed25519", "AES", "GCM", "PostgreSQL", "SQLite", "A4",
    "HTTP", "HTTPS", "TCP", "CSR", "API", "TOML", "DB", "PIN", "UTC", "IP", "CA", "OK",
    "STATION_PASSPHRASE", "STATION_NEW_PASSPHRASE", "STATION_LANG", "STATION_HOME",
    "YYYY", "MM", "DD", "HH", "zh_CN", "en", "roll80", "a4", "mm", "ms", "s", "KB", "MB",
    "pdf", "cups", "auto", "pcsc", "simulated", "idcard", "json", "csv", "Noto", "CJK",
    "sqlite", "postgresql", "postgres", "vpcd", "pcscd", "cupsd", "Argon2id", "UTF",
    "Y", "m", "d", "H", "M", "S", "XXXX", "U", "GB", "Python",
    # values typed on the command line as they are (visits --status, pinyin search examples)
    "requested", "scheduled", "visited", "no_show", "cancelled", "rescheduled", "jinglaoka",
    "jlk", "Starlette", "uvicorn", "CENTER_HOME", "docs", "CONTRACTS", "md",
    # environment variables, header names and metavars shown as they are typed
    "CENTER_DB", "CENTER_SUPERVISOR_PASSWORD", "NAME", "Forwarded", "For", "Proto", "centre",
    # account roles as typed after --role, products named in help, default file names
    "supervisor", "caseworker", "admin", "Excel", "cron", "cases", "reports",
}
WORD = re.compile(r"(?<![\w\-./%{])[A-Za-z][A-Za-z0-9_]+")


def _walk(group: click.Command, path: tuple[str, ...] = ()):
    yield path, group
    if isinstance(group, click.Group):
        for name, sub in sorted(group.commands.items()):
            yield from _walk(sub, (*path, name))


def _names(root: click.Command) -> set[str]:
    names = {"station", "center"}
    for path, cmd in _walk(root):
        names.update(path)
        names.update(part for seg in path for part in seg.split("-"))
        for p in cmd.params:
            names.update(o.lstrip("-") for o in (*p.opts, *p.secondary_opts))
            names.update(part for o in p.opts for part in o.lstrip("-").split("-"))
            if isinstance(p.type, click.Choice):
                names.update(str(c) for c in p.type.choices)
                names.update(part for c in p.type.choices for part in str(c).split("-"))
    return names


def _english(text: str, allowed: set[str]) -> list[str]:
    bad = []
    for line in text.splitlines():
        words = [w for w in WORD.findall(line) if w not in allowed and not
                 re.fullmatch(r"[A-Z]{2}\d{2}|[A-Z]{1,3}\d*", w)]  # matter codes: MZ01
        if words:
            bad.append(f"{line.strip()}  ← {', '.join(words)}")
    return bad


def _roots():
    from center.cli import cli as center_cli
    from station.cli import cli as station_cli

    return (("station", station_cli), ("center", center_cli))


@pytest.mark.parametrize("prog", ["station", "center"])
def test_every_help_is_chinese(prog, monkeypatch):
    from shared import i18n

    monkeypatch.setattr(i18n, "_locale", "zh_CN")
    root = dict(_roots())[prog]
    allowed = ALLOWED | _names(root)
    problems = {}
    for path, _cmd in _walk(root):
        result = CliRunner().invoke(root, [*path, "--help"], prog_name=prog)
        assert result.exit_code == 0, (path, result.output)
        bad = _english(result.output, allowed)
        if bad:
            problems[" ".join((prog, *path))] = bad
    assert not problems, "\n".join(f"{k}:\n  " + "\n  ".join(v) for k, v in problems.items())


def test_click_errors_are_chinese(monkeypatch):
    from shared import i18n
    from station.cli import cli

    monkeypatch.setattr(i18n, "_locale", "zh_CN")
    out = CliRunner().invoke(cli, ["case", "add", "--nonsense"], prog_name="station").output
    assert "没有选项" in out and "用法" in out and "错误" in out
    assert "No such option" not in out and "Usage" not in out
    out = CliRunner().invoke(cli, ["case", "--help"], prog_name="station").output
    assert "选项：" in out and "命令：" in out and "选项:" not in out
    out = CliRunner().invoke(cli, ["catalogue", "--menu", "x"], prog_name="station").output
    assert "不在可选值" in out and "Invalid value" not in out
    out = CliRunner().invoke(cli, ["nosuch"], prog_name="station").output
    assert "没有命令" in out


def test_english_mode_keeps_clicks_own_words(monkeypatch):
    from shared import i18n
    from station.cli import cli

    monkeypatch.setattr(i18n, "_locale", "en")
    out = CliRunner().invoke(cli, ["case", "--help"], prog_name="station").output
    assert "Usage:" in out and "Options:" in out and "用法" not in out
