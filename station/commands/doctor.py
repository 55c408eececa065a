"""`station doctor`: the first thing to run when something on the table does not work."""

from __future__ import annotations

import json
import sys

import click

from station.commands._echo import echo
from station.doctor import run_checks
from station.i18n import t


@click.command(name="doctor")
@click.option("--json", "as_json", is_flag=True, help="Print the checks as a JSON list.")
def command(as_json: bool) -> None:
    """Check Python, folders, the Chinese font, card readers, printers and free disk.

    Exits 1 when any check failed, 0 otherwise (warnings included).
    """
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
