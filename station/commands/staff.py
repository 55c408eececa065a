"""`station staff add NAME`: a new key slot, vouched for by a colleague who unlocks."""

from __future__ import annotations

import json

import click

from shared.echo import echo
from shared.i18n import t
from station.commands._unlock import open_unlocked, passphrase_option, passphrases, staff_option


@click.group(name="staff", help=t("cli.help_staff_group"))
def command() -> None:
    pass


@command.command(name="add", help=t("cli.help_staff_add"))
@click.argument("name")
@staff_option
@click.option("--json", "as_json", is_flag=True, help=t("cli.help_json"))
@passphrase_option
def add(name: str, staff: str | None, as_json: bool, passphrase_stdin: bool) -> None:
    current, new = passphrases(passphrase_stdin, 2)
    service = open_unlocked(staff, current)
    try:
        member = service.add_staff(name, new)
    finally:
        service.close()
    if as_json:
        echo(json.dumps({"id": member.id, "name": member.name}, ensure_ascii=False))
    else:
        echo(t("cli.staff_added", name=member.name, id=member.id))


@command.command(name="list", help=t("cli.help_staff_list"))
@click.option("--json", "as_json", is_flag=True, help=t("cli.help_json_list"))
def list_(as_json: bool) -> None:
    from station.service import open_service

    members = open_service().staff()
    if as_json:
        echo(json.dumps([{"id": m.id, "name": m.name} for m in members],
                              ensure_ascii=False))
        return
    for m in members:
        echo(f"{m.id}\t{m.name}")
