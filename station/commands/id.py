"""`station id check`: the same ID validation the desk uses, for scripts and training."""

from __future__ import annotations

import json
import sys
from datetime import date

import click

from shared.echo import echo
from shared.i18n import t
from station.people import IdNumberError, mask_id, normalise, parse_id


@click.group(name="id", help=t("cli.help_id_group"))
def command() -> None:
    pass


@command.command(name="check", help=t("cli.help_id_check"))
@click.argument("number", metavar="NUMBER")
@click.option("--on", "on", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help=t("cli.help_id_on"))
@click.option("--json", "as_json", is_flag=True, help=t("cli.help_json"))
def check(number: str, on, as_json: bool) -> None:
    """Exit 0 when the number is valid, 1 when it is not."""
    day: date = on.date() if on else date.today()
    try:
        rid = parse_id(number, on=day)
    except IdNumberError as err:
        result = {"valid": False, "kind": None, "birth_date": None, "sex": None, "age": None,
                  "masked": mask_id(normalise(number)), "error": err.message(),
                  "reason": err.reason}
        if as_json:
            echo(json.dumps(result, ensure_ascii=False))
        else:
            echo(err.message())
        sys.exit(1)
    result = {"valid": True, "kind": rid.kind, "birth_date": rid.birth_date.isoformat(),
              "sex": rid.sex, "age": rid.age(day), "masked": rid.masked, "error": None,
              "reason": None}
    if as_json:
        echo(json.dumps(result, ensure_ascii=False))
        return
    echo(f"{t('identity.valid')}: {rid.masked}")
    echo(f"{t('identity.kind_' + rid.kind)} · {rid.birth_date.isoformat()} · "
         f"{t('identity.sex_' + (rid.sex or 'unknown'))} · {rid.age(day)}")
