"""`station verify [--json]`: every damaged record and every file others could read.

Why a command of its own (and not only doctor): it walks the whole queue file — every
row's clear metadata against its audit entry, states against the centre's
acknowledgements, sealed-copy digests, the audit chain and the sequence — which takes
a while on a year's queue; doctor runs a quick form over the last two days. With
``--staff`` (passphrase from STATION_PASSPHRASE or --passphrase-stdin) the local copies'
AES-GCM tags are checked too. Exits 1 on any finding, 0 when clean. Prints seqs, ids
and what is wrong; never personal data.
"""

from __future__ import annotations

import json
import sys

import click

from shared.echo import echo
from shared.i18n import t
from station.commands._unlock import passphrase_option, passphrases, staff_option


@click.command(name="verify", help=t("verify.help"))
@click.option("--json", "as_json", is_flag=True, help=t("cli.help_json"))
@staff_option
@passphrase_option
def command(as_json: bool, staff: str | None, passphrase_stdin: bool) -> None:
    if staff is not None:
        from station.commands._unlock import open_unlocked

        (passphrase,) = passphrases(passphrase_stdin)
        service = open_unlocked(staff, passphrase)
    else:
        from station.service import open_service

        service = open_service()
    try:
        outcome = service.verify()
    finally:
        service.close()
    if as_json:
        echo(json.dumps({
            "ok": outcome.ok, "records_checked": outcome.records_checked,
            "local_copies_checked": outcome.aead_checked,
            "findings": [f.as_dict() for f in outcome.findings]}, ensure_ascii=False))
    else:
        for finding in outcome.findings:
            echo(finding.words())
        echo(t("verify.summary_ok" if outcome.ok else "verify.summary_bad",
                     n=len(outcome.findings), records=outcome.records_checked))
        if not outcome.aead_checked:
            echo(t("verify.locked_note"))
    sys.exit(0 if outcome.ok else 1)
