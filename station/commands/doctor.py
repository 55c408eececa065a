"""`station doctor`: the first thing to run when something on the table does not work."""

from __future__ import annotations

import json
import sys

import click

from shared.echo import echo
from shared.i18n import t
from station.doctor import run_checks


@click.command(name="doctor", help=t("cli.help_doctor"))
@click.option("--json", "as_json", is_flag=True, help=t("cli.help_doctor_json"))
def command(as_json: bool) -> None:
    """Exit 1 when any check failed, 0 otherwise (warnings included)."""
    checks = run_checks()
    if as_json:
        echo(json.dumps([c.as_dict() for c in checks], ensure_ascii=False, indent=1))
    else:
        marks = {"ok": "✓", "warn": "!", "fail": "✗"}
        for c in checks:
            echo(f"{marks[c.status]} [{t('common.' + c.status)}] {c.detail}")
            if c.hint:
                echo(f"    → {c.hint}")
    sys.exit(1 if any(c.status == "fail" for c in checks) else 0)
