"""`station print receipt CASE [--pdf PATH]`, added to the hardware part's `print` group.

Why a module of its own: `station print` belongs to the hardware part (test page,
printers); the receipt needs the core's case, so the core adds just this one
subcommand onto that group instead of both parts editing one file.
"""

from __future__ import annotations

from pathlib import Path

import click

from shared.echo import echo
from shared.i18n import t
from station.commands._unlock import open_unlocked, passphrase_option, passphrases, staff_option
from station.commands.print import command as print_group


@print_group.command(name="receipt", help=t("cli.help_print_receipt"))
@click.argument("case_no", metavar="CASE")
@click.option("--pdf", "pdf", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help=t("cli.help_pdf"))
@staff_option
@passphrase_option
def receipt(case_no: str, pdf: Path | None, staff: str | None, passphrase_stdin: bool) -> None:
    (passphrase,) = passphrases(passphrase_stdin)
    service = open_unlocked(staff, passphrase)
    try:
        outcome = service.reprint(case_no, pdf=pdf)
    finally:
        service.close()
    echo(outcome.message)
    if not outcome.printed:
        raise SystemExit(1)
