"""`station purge`: remove local copies past the retention period, now.

Why no passphrase: it reads only clear metadata (which appointments are still open)
and removes only what the retention setting says must go and the centre has or will
get (acknowledged or sealed); a timer can run it on a locked laptop. It prints
counts, never anything personal.
"""

from __future__ import annotations

import json

import click

from shared.echo import echo
from shared.i18n import t


@click.command(name="purge", help=t("retention.help_purge"))
@click.option("--json", "as_json", is_flag=True, help=t("cli.help_json"))
def command(as_json: bool) -> None:
    from station.service import open_service

    service = open_service()
    try:
        summary = service.purge_expired()
    finally:
        service.close()
    echo(json.dumps(summary.to_dict()) if as_json else summary.message())
