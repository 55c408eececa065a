"""`station init`: the first-run screen's work, non-interactive (scripts, training copies)."""

from __future__ import annotations

import json

import click

from shared.echo import echo
from shared.errors import StationError
from shared.i18n import t
from station import config
from station.commands._unlock import passphrase_option, passphrases
from station.hw.factory import AUTO, READERS, check_printer


@click.command(name="init", help=t("cli.help_init"))
@click.option("--name", required=True, help=t("cli.help_station_name"))
@click.option("--site", "sites", multiple=True, required=True, help=t("cli.help_site"))
@click.option("--staff", "staff_name", required=True, help=t("cli.help_first_staff"))
@click.option("--reader", type=click.Choice([AUTO, *READERS]), default=AUTO,
              show_default=True, help=t("cli.help_reader"))
@click.option("--printer", default=AUTO, show_default=True, help=t("cli.help_printer"))
@click.option("--paper", type=click.Choice(["a4", "roll80"]), default="a4", show_default=True,
              help=t("cli.help_paper"))
@click.option("--json", "as_json", is_flag=True, help=t("cli.help_json"))
@passphrase_option
def command(name: str, sites: tuple[str, ...], staff_name: str, reader: str, printer: str,
            paper: str, as_json: bool, passphrase_stdin: bool) -> None:
    from station.service import Service

    try:
        check_printer(printer)
    except StationError as err:
        raise click.BadParameter(err.message(), param_hint="--printer") from None
    (passphrase,) = passphrases(passphrase_stdin)
    service = Service()
    member = service.initialise(name=name, sites=sites, staff_name=staff_name,
                                passphrase=passphrase)
    cfg = config.load()
    cfg.reader, cfg.printer, cfg.paper = reader, printer, paper
    config.save(cfg)
    service.close()
    if as_json:
        echo(json.dumps({"station_id": cfg.station_id, "name": cfg.name,
                               "sites": cfg.sites, "staff": {"id": member.id,
                                                             "name": member.name}},
                              ensure_ascii=False))
    else:
        echo(t("cli.initialised", name=cfg.name, station=cfg.station_id,
                     staff=member.name))
